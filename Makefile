# Thin wrapper around meson, so a fresh Debian machine needs one command.
#   make          build (installs missing Debian packages first)
#   make test     build and run every test, in a normal build with warnings as
#                 errors and in an ASan+UBSan build, then a short fuzz run
#   make demo     the bundled before/after demo: baseline vs cached, compared
BUILD ?= build
BUILD_SAN ?= build-sanitize
BUILD_FUZZ ?= build-fuzz
FUZZ_SECONDS ?= 20
MESON_TEST_ARGS ?= --print-errorlogs

.PHONY: all deps build test test-normal test-sanitize fuzz-smoke demo clean format

all: build

deps:
	@./scripts/install-deps.sh

$(BUILD)/build.ninja: | deps
	meson setup $(BUILD) --werror

$(BUILD_SAN)/build.ninja: | deps
	meson setup $(BUILD_SAN) --werror -Db_sanitize=address,undefined -Db_lundef=false

# libFuzzer needs clang; a bounded run of the decoder target (see scripts/).
$(BUILD_FUZZ)/build.ninja: | deps
	CC=clang meson setup $(BUILD_FUZZ) -Dfuzz=true

build: $(BUILD)/build.ninja
	ninja -C $(BUILD)

test: test-normal test-sanitize fuzz-smoke

test-normal: $(BUILD)/build.ninja
	ninja -C $(BUILD)
	meson test -C $(BUILD) $(MESON_TEST_ARGS)
	./scripts/check-skips.sh $(BUILD)

# intercept_tls_get_addr=0: GCC 12's LeakSanitizer crashes ("Tracer caught
# signal 11", a bogus DTLS range) scanning the dynamic TLS of dlopen'ed
# plugins that link libcurl; leak detection itself stays on.
test-sanitize: $(BUILD_SAN)/build.ninja
	ninja -C $(BUILD_SAN)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:intercept_tls_get_addr=0 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		meson test -C $(BUILD_SAN) $(MESON_TEST_ARGS)
	./scripts/check-skips.sh $(BUILD_SAN)

# Three targets, FUZZ_SECONDS each: the pprof decoder, the run manifest and
# JSON reader, the INI and --fail-on parsers.
fuzz-smoke: $(BUILD_FUZZ)/build.ninja
	ninja -C $(BUILD_FUZZ) tests/pprof/fuzz_decode tests/core/fuzz_manifest tests/core/fuzz_config
	./scripts/fuzz-smoke.sh $(BUILD_FUZZ)/tests/pprof/fuzz_decode $(FUZZ_SECONDS) \
		tests/pprof/data/*.pb.gz tests/pprof/data/*.pb tests/pprof/data/invalid/*.pb.gz \
		tests/pprof/data/bad/*
	./scripts/fuzz-smoke.sh $(BUILD_FUZZ)/tests/core/fuzz_manifest $(FUZZ_SECONDS) \
		tests/analysis/data/*/run.json tests/analysis/data/expected.json
	./scripts/fuzz-smoke.sh $(BUILD_FUZZ)/tests/core/fuzz_config $(FUZZ_SECONDS) \
		e2e-profile.ini.example examples/batch.ini tests/core/fuzz-seeds/*

demo: build
	./scripts/demo.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(BUILD_SAN) $(BUILD_FUZZ)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')
