/* ELF32 little-endian ARM executables: the bytes of every PT_LOAD program
 * header with file contents, placed at its physical (load) address.
 *
 * p_paddr rather than p_vaddr: initialised .data runs in RAM (its VMA)
 * but is stored in flash (its LMA) for the startup code to copy, and the
 * flash copy is what must be programmed.  .bss (p_memsz beyond p_filesz)
 * is zeroed at run time and is not part of the image.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "stmprog/image.h"
#include "image_internal.h"

#define EHDR_SIZE 52
#define PHDR_SIZE 32
#define EM_ARM 40
#define PT_LOAD 1

static const char *machine_name(unsigned m)
{
	switch (m) {
	case 3: return "x86";
	case 8: return "MIPS";
	case 20: return "PowerPC";
	case 62: return "x86-64";
	case 183: return "AArch64";
	case 243: return "RISC-V";
	default: return "not ARM";
	}
}

stp_status stp_read_elf(stp_ctx *ctx, const uint8_t *buf, size_t len,
                        const char *name, stp_image *img)
{
	const char *hint = "give the linked firmware ELF of an ARM Cortex-M "
	                   "build (arm-none-eabi-gcc), or a .hex/.bin";
	char origin[STP_ORIGIN_MAX];
	uint32_t phoff;
	uint16_t type, machine, phentsize, phnum, i;
	bool any = false;
	stp_status st;

	if (len < 4 || memcmp(buf, "\x7f" "ELF", 4) != 0)
		return stp_fail(ctx, STP_ERR_IMAGE, hint,
		                "%s offset 0: no ELF magic (7F 'E' 'L' 'F')",
		                name);
	if (len < EHDR_SIZE)
		return stp_fail(ctx, STP_ERR_IMAGE, hint,
		                "%s: truncated ELF header: %zu bytes, expected "
		                "%d", name, len, EHDR_SIZE);
	if (buf[4] == 2)
		return stp_fail(ctx, STP_ERR_IMAGE, hint,
		                "%s offset 4: a 64-bit ELF file; STM32 "
		                "firmware is ELF32", name);
	if (buf[4] != 1)
		return stp_fail(ctx, STP_ERR_IMAGE, hint,
		                "%s offset 4: ELF class %u, expected 1 (32-bit)",
		                name, (unsigned)buf[4]);
	if (buf[5] == 2)
		return stp_fail(ctx, STP_ERR_IMAGE, hint,
		                "%s offset 5: a big-endian ELF file; STM32 "
		                "firmware is little-endian", name);
	if (buf[5] != 1)
		return stp_fail(ctx, STP_ERR_IMAGE, hint,
		                "%s offset 5: ELF data encoding %u, expected 1 "
		                "(little-endian)", name, (unsigned)buf[5]);
	type = stp_le16(buf + 16);
	machine = stp_le16(buf + 18);
	if (machine != EM_ARM)
		return stp_fail(ctx, STP_ERR_IMAGE, hint,
		                "%s offset 18: ELF machine %u (%s), expected %u "
		                "(ARM)", name, (unsigned)machine,
		                machine_name(machine), EM_ARM);
	if (type == 1)
		return stp_fail(ctx, STP_ERR_IMAGE,
		                "link the object files into an executable",
		                "%s offset 16: a relocatable object file (ELF "
		                "type 1), not a linked executable", name);
	phoff = stp_le32(buf + 28);
	phentsize = stp_le16(buf + 42);
	phnum = stp_le16(buf + 44);
	if (phnum == 0)
		return stp_fail(ctx, STP_ERR_IMAGE, hint,
		                "%s offset 44: no program headers, so nothing "
		                "to load", name);
	/* 0xFFFF means the count lives in section 0: never so for firmware. */
	if (phnum == 0xFFFF || phentsize < PHDR_SIZE)
		return stp_fail(ctx, STP_ERR_IMAGE, hint,
		                "%s offset 42: program header size %u, count %u; "
		                "expected size >= %d and a count below 65535",
		                name, (unsigned)phentsize, (unsigned)phnum,
		                PHDR_SIZE);
	if ((uint64_t)phoff + (uint64_t)phnum * phentsize > len)
		return stp_fail(ctx, STP_ERR_IMAGE, hint,
		                "%s offset 28: %u program headers at offset %u "
		                "run past the end of the file (%zu bytes)",
		                name, (unsigned)phnum, (unsigned)phoff, len);
	/* e_entry 0 means "no entry point" (ELF gABI), as an S-record
	 * termination address 0 does: recording it as address 0 would make
	 * the two formats disagree about the same image. */
	img->entry = stp_le32(buf + 24);
	img->has_entry = img->entry != 0;

	for (i = 0; i < phnum; i++) {
		size_t at = phoff + (size_t)i * phentsize;
		const uint8_t *ph = buf + at;
		uint32_t off = stp_le32(ph + 4), paddr = stp_le32(ph + 12);
		uint32_t filesz = stp_le32(ph + 16), memsz = stp_le32(ph + 20);

		if (stp_le32(ph) != PT_LOAD || filesz == 0)
			continue;
		if (filesz > memsz)
			return stp_fail(ctx, STP_ERR_IMAGE, hint,
			                "%s offset %zu: program header %u has %u "
			                "bytes in the file but only %u in memory",
			                name, at, (unsigned)i, (unsigned)filesz,
			                (unsigned)memsz);
		if ((uint64_t)off + filesz > len)
			return stp_fail(ctx, STP_ERR_IMAGE, hint,
			                "%s offset %zu: program header %u wants "
			                "bytes 0x%X..0x%llX, the file has %zu bytes",
			                name, at, (unsigned)i, (unsigned)off,
			                (unsigned long long)off + filesz - 1, len);
		snprintf(origin, sizeof(origin),
		         "%s program header %u (file offset 0x%X)", name,
		         (unsigned)i, (unsigned)off);
		st = stp_image_add(ctx, img, 0, paddr, buf + off, filesz,
		                   origin);
		if (st != STP_OK)
			return st;
		any = true;
	}
	if (!any)
		return stp_fail(ctx, STP_ERR_IMAGE, hint,
		                "%s: none of the %u program headers loads any "
		                "bytes (PT_LOAD with file contents)", name,
		                (unsigned)phnum);
	return STP_OK;
}
