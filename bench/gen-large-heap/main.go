// Command gen-large-heap writes a large Go heap profile for e2e-profile's
// decoder benchmarks.
//
// Usage:
//
//	cd bench/gen-large-heap && GO111MODULE=on go run . [-calls N] [-seed S] OUT.pb.gz
//
// With runtime.MemProfileRate = 1 every allocation is recorded.  Each call
// walks a pseudo-random chain of 48 distinct (but identical-looking)
// functions f00..f47 of pseudo-random depth and allocates a pseudo-random
// size at the end, so nearly every call has its own stack trace (and the
// runtime keys heap buckets by stack and size).  About two thirds of the
// allocations stay live, so inuse_* values are large too.  With the default
// 150000 calls the profile is several MB compressed with well over 100000
// samples.  The output is not committed: generate it when benchmarking.
package main

import (
	"bufio"
	"compress/gzip"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
)

// rng is xorshift64*: fixed sequence for a given seed.
type rng struct{ x uint64 }

func (r *rng) next() uint64 {
	r.x ^= r.x >> 12
	r.x ^= r.x << 25
	r.x ^= r.x >> 27
	return r.x * 0x2545F4914F6CDD1D
}

func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

var (
	live    [][]byte
	garbage []byte
)

//go:noinline
func alloc(r *rng) {
	size := 16 << r.intn(6) // 16 .. 512 bytes
	size += r.intn(4) * 8
	b := make([]byte, size)
	if r.intn(3) != 0 {
		live = append(live, b)
	} else {
		garbage = b
	}
}

type step func(depth int, r *rng)

var table []step

func init() {
	table = []step{
		f00,
		f01,
		f02,
		f03,
		f04,
		f05,
		f06,
		f07,
		f08,
		f09,
		f10,
		f11,
		f12,
		f13,
		f14,
		f15,
		f16,
		f17,
		f18,
		f19,
		f20,
		f21,
		f22,
		f23,
		f24,
		f25,
		f26,
		f27,
		f28,
		f29,
		f30,
		f31,
		f32,
		f33,
		f34,
		f35,
		f36,
		f37,
		f38,
		f39,
		f40,
		f41,
		f42,
		f43,
		f44,
		f45,
		f46,
		f47,
	}
}

// f00..f47: distinct functions with distinct PCs; each either allocates
// (depth 0) or calls a pseudo-randomly chosen next function.

//go:noinline
func f00(d int, r *rng) {
	if d == 0 {
		alloc(r)
		return
	}
	table[r.intn(len(table))](d-1, r)
}

//go:noinline
func f01(d int, r *rng) {
	if d == 0 {
		alloc(r)
		return
	}
	table[r.intn(len(table))](d-1, r)
}

//go:noinline
func f02(d int, r *rng) {
	if d == 0 {
		alloc(r)
		return
	}
	table[r.intn(len(table))](d-1, r)
}

//go:noinline
func f03(d int, r *rng) {
	if d == 0 {
		alloc(r)
		return
	}
	table[r.intn(len(table))](d-1, r)
}

//go:noinline
func f04(d int, r *rng) {
	if d == 0 {
		alloc(r)
		return
	}
	table[r.intn(len(table))](d-1, r)
}

//go:noinline
func f05(d int, r *rng) {
	if d == 0 {
		alloc(r)
		return
	}
	table[r.intn(len(table))](d-1, r)
}

//go:noinline
func f06(d int, r *rng) {
	if d == 0 {
		alloc(r)
		return
	}
	table[r.intn(len(table))](d-1, r)
}

//go:noinline
func f07(d int, r *rng) {
	if d == 0 {
		alloc(r)
		return
	}
	table[r.intn(len(table))](d-1, r)
}

//go:noinline
func f08(d int, r *rng) {
	if d == 0 {
		alloc(r)
		return
	}
	table[r.intn(len(table))](d-1, r)
}

//go:noinline
func f09(d int, r *rng) {
	if d == 0 {
		alloc(r)
		return
	}
	table[r.intn(len(table))](d-1, r)
}

//go:noinline
func f10(d int, r *rng) {
	if d == 0 {
		alloc(r)
		return
	}
	table[r.intn(len(table))](d-1, r)
}

//go:noinline
func f11(d int, r *rng) {
	if d == 0 {
		alloc(r)
		return
	}
	table[r.intn(len(table))](d-1, r)
}

//go:noinline
func f12(d int, r *rng) {
	if d == 0 {
		alloc(r)
		return
	}
	table[r.intn(len(table))](d-1, r)
}

//go:noinline
func f13(d int, r *rng) {
	if d == 0 {
		alloc(r)
		return
	}
	table[r.intn(len(table))](d-1, r)
}

//go:noinline
func f14(d int, r *rng) {
	if d == 0 {
		alloc(r)
		return
	}
	table[r.intn(len(table))](d-1, r)
}

//go:noinline
func f15(d int, r *rng) {
	if d == 0 {
		alloc(r)
		return
	}
	table[r.intn(len(table))](d-1, r)
}

//go:noinline
func f16(d int, r *rng) {
	if d == 0 {
		alloc(r)
		return
	}
	table[r.intn(len(table))](d-1, r)
}

//go:noinline
func f17(d int, r *rng) {
	if d == 0 {
		alloc(r)
		return
	}
	table[r.intn(len(table))](d-1, r)
}

//go:noinline
func f18(d int, r *rng) {
	if d == 0 {
		alloc(r)
		return
	}
	table[r.intn(len(table))](d-1, r)
}

//go:noinline
func f19(d int, r *rng) {
	if d == 0 {
		alloc(r)
		return
	}
	table[r.intn(len(table))](d-1, r)
}

//go:noinline
func f20(d int, r *rng) {
	if d == 0 {
		alloc(r)
		return
	}
	table[r.intn(len(table))](d-1, r)
}

//go:noinline
func f21(d int, r *rng) {
	if d == 0 {
		alloc(r)
		return
	}
	table[r.intn(len(table))](d-1, r)
}

//go:noinline
func f22(d int, r *rng) {
	if d == 0 {
		alloc(r)
		return
	}
	table[r.intn(len(table))](d-1, r)
}

//go:noinline
func f23(d int, r *rng) {
	if d == 0 {
		alloc(r)
		return
	}
	table[r.intn(len(table))](d-1, r)
}

//go:noinline
func f24(d int, r *rng) {
	if d == 0 {
		alloc(r)
		return
	}
	table[r.intn(len(table))](d-1, r)
}

//go:noinline
func f25(d int, r *rng) {
	if d == 0 {
		alloc(r)
		return
	}
	table[r.intn(len(table))](d-1, r)
}

//go:noinline
func f26(d int, r *rng) {
	if d == 0 {
		alloc(r)
		return
	}
	table[r.intn(len(table))](d-1, r)
}

//go:noinline
func f27(d int, r *rng) {
	if d == 0 {
		alloc(r)
		return
	}
	table[r.intn(len(table))](d-1, r)
}

//go:noinline
func f28(d int, r *rng) {
	if d == 0 {
		alloc(r)
		return
	}
	table[r.intn(len(table))](d-1, r)
}

//go:noinline
func f29(d int, r *rng) {
	if d == 0 {
		alloc(r)
		return
	}
	table[r.intn(len(table))](d-1, r)
}

//go:noinline
func f30(d int, r *rng) {
	if d == 0 {
		alloc(r)
		return
	}
	table[r.intn(len(table))](d-1, r)
}

//go:noinline
func f31(d int, r *rng) {
	if d == 0 {
		alloc(r)
		return
	}
	table[r.intn(len(table))](d-1, r)
}

//go:noinline
func f32(d int, r *rng) {
	if d == 0 {
		alloc(r)
		return
	}
	table[r.intn(len(table))](d-1, r)
}

//go:noinline
func f33(d int, r *rng) {
	if d == 0 {
		alloc(r)
		return
	}
	table[r.intn(len(table))](d-1, r)
}

//go:noinline
func f34(d int, r *rng) {
	if d == 0 {
		alloc(r)
		return
	}
	table[r.intn(len(table))](d-1, r)
}

//go:noinline
func f35(d int, r *rng) {
	if d == 0 {
		alloc(r)
		return
	}
	table[r.intn(len(table))](d-1, r)
}

//go:noinline
func f36(d int, r *rng) {
	if d == 0 {
		alloc(r)
		return
	}
	table[r.intn(len(table))](d-1, r)
}

//go:noinline
func f37(d int, r *rng) {
	if d == 0 {
		alloc(r)
		return
	}
	table[r.intn(len(table))](d-1, r)
}

//go:noinline
func f38(d int, r *rng) {
	if d == 0 {
		alloc(r)
		return
	}
	table[r.intn(len(table))](d-1, r)
}

//go:noinline
func f39(d int, r *rng) {
	if d == 0 {
		alloc(r)
		return
	}
	table[r.intn(len(table))](d-1, r)
}

//go:noinline
func f40(d int, r *rng) {
	if d == 0 {
		alloc(r)
		return
	}
	table[r.intn(len(table))](d-1, r)
}

//go:noinline
func f41(d int, r *rng) {
	if d == 0 {
		alloc(r)
		return
	}
	table[r.intn(len(table))](d-1, r)
}

//go:noinline
func f42(d int, r *rng) {
	if d == 0 {
		alloc(r)
		return
	}
	table[r.intn(len(table))](d-1, r)
}

//go:noinline
func f43(d int, r *rng) {
	if d == 0 {
		alloc(r)
		return
	}
	table[r.intn(len(table))](d-1, r)
}

//go:noinline
func f44(d int, r *rng) {
	if d == 0 {
		alloc(r)
		return
	}
	table[r.intn(len(table))](d-1, r)
}

//go:noinline
func f45(d int, r *rng) {
	if d == 0 {
		alloc(r)
		return
	}
	table[r.intn(len(table))](d-1, r)
}

//go:noinline
func f46(d int, r *rng) {
	if d == 0 {
		alloc(r)
		return
	}
	table[r.intn(len(table))](d-1, r)
}

//go:noinline
func f47(d int, r *rng) {
	if d == 0 {
		alloc(r)
		return
	}
	table[r.intn(len(table))](d-1, r)
}

// countSamples decodes the gzip-compressed profile just enough to count
// its top-level Sample fields (field 2, length-delimited).
func countSamples(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(bufio.NewReader(f))
	if err != nil {
		return 0, err
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		return 0, err
	}
	uvarint := func() (uint64, error) {
		var v uint64
		for shift := uint(0); shift < 64; shift += 7 {
			if len(data) == 0 {
				return 0, errors.New("truncated varint")
			}
			c := data[0]
			data = data[1:]
			v |= uint64(c&0x7f) << shift
			if c < 0x80 {
				return v, nil
			}
		}
		return 0, errors.New("bad varint")
	}
	n := 0
	for len(data) > 0 {
		k, err := uvarint()
		if err != nil {
			return 0, err
		}
		switch k & 7 {
		case 0:
			if _, err := uvarint(); err != nil {
				return 0, err
			}
		case 1:
			data = data[8:]
		case 5:
			data = data[4:]
		case 2:
			l, err := uvarint()
			if err != nil || l > uint64(len(data)) {
				return 0, errors.New("bad length")
			}
			data = data[l:]
		default:
			return 0, fmt.Errorf("wire type %d", k&7)
		}
		if k>>3 == 2 {
			n++
		}
	}
	return n, nil
}

func main() {
	runtime.MemProfileRate = 1
	calls := flag.Int("calls", 150000, "number of allocating call chains")
	seed := flag.Uint64("seed", 0x9E3779B97F4A7C15, "pseudo-random seed (non-zero)")
	maxDepth := flag.Int("maxdepth", 24, "maximum chain depth (the runtime records at most 32 frames)")
	flag.Parse()
	if flag.NArg() != 1 || *seed == 0 || *maxDepth < 1 {
		fmt.Fprintln(os.Stderr, "usage: gen-large-heap [-calls N] [-seed S] [-maxdepth D] OUT.pb.gz")
		os.Exit(2)
	}
	out := flag.Arg(0)

	r := &rng{x: *seed}
	for i := 0; i < *calls; i++ {
		depth := 2 + r.intn(*maxDepth-1)
		table[r.intn(len(table))](depth, r)
	}
	runtime.GC()

	f, err := os.Create(out)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := f.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	runtime.KeepAlive(live)

	st, err := os.Stat(out)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	n, err := countSamples(out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "counting samples:", err)
		os.Exit(1)
	}
	fmt.Printf("%s: %d bytes, %d samples, %d live objects\n", out, st.Size(), n, len(live))
}
