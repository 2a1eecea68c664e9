/* A bounded ELF64 reader: just enough to find one name in .dynsym. Every
 * header is copied out with memcpy after its range is checked, so a
 * truncated or hostile file can make it refuse but never read out of
 * bounds (tests/core/test_loader.c truncates and corrupts a real plugin). */
#include "elf_symbols.h"

#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void elf_error(char *err, size_t errlen, const char *format, ...)
        __attribute__((format(printf, 3, 4)));
static void elf_error(char *err, size_t errlen, const char *format, ...)
{
	if (err == NULL || errlen == 0)
		return;
	va_list args;
	va_start(args, format);
	vsnprintf(err, errlen, format, args);
	va_end(args);
}

/* offset + length lies within size, without overflow. */
static bool elf_range_ok(size_t size, uint64_t offset, uint64_t length)
{
	return offset <= size && length <= size - offset;
}

static bool elf_native_order(unsigned char data_encoding)
{
	const uint16_t probe = 1;
	unsigned char first;
	memcpy(&first, &probe, 1);
	return data_encoding == (first == 1 ? ELFDATA2LSB : ELFDATA2MSB);
}

static int elf_read_header(const unsigned char *data, size_t size, Elf64_Ehdr *header, char *err,
                           size_t errlen)
{
	if (size < sizeof(*header) || memcmp(data, ELFMAG, SELFMAG) != 0) {
		elf_error(err, errlen, "not an ELF file");
		return -ENOEXEC;
	}
	memcpy(header, data, sizeof(*header));
	if (header->e_ident[EI_CLASS] != ELFCLASS64 ||
	    !elf_native_order(header->e_ident[EI_DATA])) {
		elf_error(err, errlen, "not a 64-bit ELF file of this machine's byte order");
		return -ENOEXEC;
	}
	if (header->e_type != ET_DYN) {
		elf_error(err, errlen, "not an ELF shared object");
		return -ENOEXEC;
	}
	if (header->e_shentsize != sizeof(Elf64_Shdr) || header->e_shnum == 0 ||
	    !elf_range_ok(size, header->e_shoff, (uint64_t)header->e_shnum * sizeof(Elf64_Shdr))) {
		elf_error(err, errlen, "ELF section headers are missing or out of bounds");
		return -ENOEXEC;
	}
	return 0;
}

static void elf_section(const unsigned char *data, const Elf64_Ehdr *header, size_t index,
                        Elf64_Shdr *section)
{
	memcpy(section, data + header->e_shoff + index * sizeof(Elf64_Shdr), sizeof(*section));
}

int ep_elf_has_dynamic_symbol(const unsigned char *data, size_t size, const char *symbol, char *err,
                              size_t errlen)
{
	Elf64_Ehdr header;
	int rc = elf_read_header(data, size, &header, err, errlen);
	if (rc < 0)
		return rc;
	size_t wanted_length = strlen(symbol);
	bool have_dynsym = false;
	for (size_t i = 0; i < header.e_shnum; i++) {
		Elf64_Shdr dynsym, strtab;
		elf_section(data, &header, i, &dynsym);
		if (dynsym.sh_type != SHT_DYNSYM)
			continue;
		have_dynsym = true;
		if (dynsym.sh_link >= header.e_shnum || dynsym.sh_entsize != sizeof(Elf64_Sym) ||
		    !elf_range_ok(size, dynsym.sh_offset, dynsym.sh_size)) {
			elf_error(err, errlen, "ELF .dynsym section is malformed");
			return -ENOEXEC;
		}
		elf_section(data, &header, dynsym.sh_link, &strtab);
		if (strtab.sh_type != SHT_STRTAB ||
		    !elf_range_ok(size, strtab.sh_offset, strtab.sh_size)) {
			elf_error(err, errlen, "ELF .dynstr section is malformed");
			return -ENOEXEC;
		}
		const char *names = (const char *)data + strtab.sh_offset;
		uint64_t count = dynsym.sh_size / sizeof(Elf64_Sym);
		for (uint64_t k = 0; k < count; k++) {
			Elf64_Sym entry;
			memcpy(&entry, data + dynsym.sh_offset + k * sizeof(Elf64_Sym),
			       sizeof(entry));
			unsigned type = ELF64_ST_TYPE(entry.st_info);
			unsigned bind = ELF64_ST_BIND(entry.st_info);
			if (entry.st_shndx == SHN_UNDEF ||
			    (type != STT_FUNC && type != STT_OBJECT) ||
			    (bind != STB_GLOBAL && bind != STB_WEAK))
				continue;
			/* The name and its terminator must lie inside .dynstr. */
			if (entry.st_name >= strtab.sh_size ||
			    strtab.sh_size - entry.st_name < wanted_length + 1)
				continue;
			if (memcmp(names + entry.st_name, symbol, wanted_length + 1) == 0)
				return 1;
		}
	}
	if (!have_dynsym) {
		elf_error(err, errlen, "ELF file has no dynamic symbol table");
		return -ENOEXEC;
	}
	return 0;
}

int ep_elf_file_has_dynamic_symbol(int fd, const char *symbol, char *err, size_t errlen)
{
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int rc = -errno;
		elf_error(err, errlen, "cannot stat: %s", strerror(errno));
		return rc;
	}
	if (st.st_size < 0 || (uint64_t)st.st_size > EP_ELF_MAX_BYTES) {
		elf_error(err, errlen, "larger than %u MiB: not a plugin", EP_ELF_MAX_BYTES >> 20);
		return -EFBIG;
	}
	size_t size = (size_t)st.st_size;
	unsigned char *data = malloc(size ? size : 1);
	if (data == NULL) {
		elf_error(err, errlen, "out of memory");
		return -ENOMEM;
	}
	size_t done = 0;
	while (done < size) {
		ssize_t got = pread(fd, data + done, size - done, (off_t)done);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			int rc = got < 0 ? -errno : -EIO;
			elf_error(err, errlen, "cannot read: %s", strerror(-rc));
			free(data);
			return rc;
		}
		done += (size_t)got;
	}
	int rc = ep_elf_has_dynamic_symbol(data, size, symbol, err, errlen);
	free(data);
	return rc;
}
