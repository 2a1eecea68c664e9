/* Reads an ELF64 shared object's dynamic symbol table without loading it,
 * so the plugin loader can refuse a file that is no plugin before any of
 * its code (constructors included) runs. */
#ifndef EP_ELF_SYMBOLS_H
#define EP_ELF_SYMBOLS_H

#include <stdbool.h>
#include <stddef.h>

/* Largest file the reader looks at: plugins are a few hundred KiB. */
#define EP_ELF_MAX_BYTES (256u * 1024 * 1024)

/* Looks for a defined function or object symbol named symbol in the
 * dynamic symbol table (.dynsym) of the ELF64 image data[0..size) (borrowed).
 * Returns 1 when found, 0 when the image is a valid shared object without
 * it, or -ENOEXEC with err set when the image is not a well-formed ELF64
 * shared object of this machine's byte order. Every offset is checked
 * against size, so any input is safe. */
int ep_elf_has_dynamic_symbol(const unsigned char *data, size_t size, const char *symbol, char *err,
                              size_t errlen);

/* The same for the open file descriptor fd (read with pread, at most
 * EP_ELF_MAX_BYTES). Returns 1, 0, -ENOEXEC, -EFBIG or another negative
 * errno from reading, with err set on a negative return. */
int ep_elf_file_has_dynamic_symbol(int fd, const char *symbol, char *err, size_t errlen);

#endif
