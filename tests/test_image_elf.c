/* ELF32 ARM: a hand-built executable with text, initialised data whose
 * load address differs from its run address, .bss and a non-load header;
 * rejection of other ELF flavours; truncation. */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "test_image.h"

#define ELF_LEN 204

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void phdr(uint8_t *p, uint32_t type, uint32_t off, uint32_t vaddr,
                 uint32_t paddr, uint32_t filesz, uint32_t memsz)
{
	put32(p, type);
	put32(p + 4, off);
	put32(p + 8, vaddr);
	put32(p + 12, paddr);
	put32(p + 16, filesz);
	put32(p + 20, memsz);
	put32(p + 24, 5);
	put32(p + 28, 4);
}

/* Header, 4 program headers at 52, 16 bytes of text at 180 and 8 bytes
 * of .data at 196 (run at 0x20000000, stored at 0x08000010). */
static void mk_elf(uint8_t *b)
{
	size_t i;

	memset(b, 0, ELF_LEN + 32);
	memcpy(b, "\x7f" "ELF\x01\x01\x01", 7);
	put16(b + 16, 2);               /* ET_EXEC */
	put16(b + 18, 40);              /* EM_ARM */
	put32(b + 20, 1);
	put32(b + 24, 0x08000009);      /* entry, Thumb bit set */
	put32(b + 28, 52);              /* e_phoff */
	put16(b + 40, 52);
	put16(b + 42, 32);
	put16(b + 44, 4);
	phdr(b + 52, 1, 180, 0x08000000, 0x08000000, 16, 16);
	phdr(b + 84, 1, 196, 0x20000000, 0x08000010, 8, 12);
	phdr(b + 116, 1, 0, 0x20000100, 0x20000100, 0, 64);   /* .bss */
	phdr(b + 148, 4, 180, 0, 0, 4, 4);                   /* PT_NOTE */
	for (i = 0; i < 24; i++)
		b[180 + i] = (uint8_t)(0x40 + i);
}

Test(image_elf, load_addresses_not_run_addresses)
{
	uint8_t b[ELF_LEN + 32], want[24];
	stp_image *img;
	size_t i;

	mk_elf(b);
	for (i = 0; i < 24; i++)
		want[i] = (uint8_t)(0x40 + i);
	img = t_parse_ok(b, ELF_LEN, STP_FMT_AUTO, "fw.elf", 0);
	/* .data's flash copy continues .text: one segment, nothing in RAM,
	 * no .bss. */
	cr_assert_eq(stp_image_segment_count(img), 1);
	t_seg(img, 0, 0, 0x08000000, want, 24);
	cr_assert(stp_image_has_entry(img));
	cr_assert_eq(stp_image_entry(img), 0x08000009);
	stp_image_free(img);
}

Test(image_elf, rejects_other_flavours)
{
	uint8_t b[ELF_LEN + 32];

	mk_elf(b);
	b[4] = 2;
	t_parse_fail(b, ELF_LEN, STP_FMT_AUTO, "x.elf", 0, STP_ERR_IMAGE,
	             "x.elf offset 4: a 64-bit ELF file");
	mk_elf(b);
	b[5] = 2;
	t_parse_fail(b, ELF_LEN, STP_FMT_AUTO, "x.elf", 0, STP_ERR_IMAGE,
	             "x.elf offset 5: a big-endian ELF file");
	mk_elf(b);
	b[18] = 62;
	t_parse_fail(b, ELF_LEN, STP_FMT_AUTO, "x.elf", 0, STP_ERR_IMAGE,
	             "x.elf offset 18: ELF machine 62 (x86-64), expected 40 "
	             "(ARM)");
	mk_elf(b);
	b[16] = 1;
	t_parse_fail(b, ELF_LEN, STP_FMT_AUTO, "x.o", 0, STP_ERR_IMAGE,
	             "relocatable object");
	mk_elf(b);
	b[4] = 7;
	t_parse_fail(b, ELF_LEN, STP_FMT_AUTO, "x.elf", 0, STP_ERR_IMAGE,
	             "ELF class 7");
	/* Forced ELF on something else. */
	t_parse_fail("hello", 5, STP_FMT_ELF, "x.elf", 0, STP_ERR_IMAGE,
	             "x.elf offset 0: no ELF magic");
}

Test(image_elf, malformed_headers)
{
	uint8_t b[ELF_LEN + 32];

	mk_elf(b);
	put32(b + 28, 0xFFFFFFF0);
	t_parse_fail(b, ELF_LEN, STP_FMT_ELF, "x.elf", 0, STP_ERR_IMAGE,
	             "x.elf offset 28: 4 program headers at offset 4294967280 "
	             "run past the end of the file (204 bytes)");
	mk_elf(b);
	put16(b + 42, 16);
	t_parse_fail(b, ELF_LEN, STP_FMT_ELF, "x.elf", 0, STP_ERR_IMAGE,
	             "program header size 16");
	mk_elf(b);
	put16(b + 44, 0);
	t_parse_fail(b, ELF_LEN, STP_FMT_ELF, "x.elf", 0, STP_ERR_IMAGE,
	             "no program headers");
	mk_elf(b);
	put32(b + 84 + 4, 0xFFFFFFFF);  /* .data's file offset */
	t_parse_fail(b, ELF_LEN, STP_FMT_ELF, "x.elf", 0, STP_ERR_IMAGE,
	             "x.elf offset 84: program header 1 wants bytes "
	             "0xFFFFFFFF..0x100000006, the file has 204 bytes");
	mk_elf(b);
	put32(b + 84 + 20, 4);          /* memsz < filesz */
	t_parse_fail(b, ELF_LEN, STP_FMT_ELF, "x.elf", 0, STP_ERR_IMAGE,
	             "program header 1 has 8 bytes in the file but only 4");
	mk_elf(b);
	put32(b + 52, 6);               /* text no longer PT_LOAD ... */
	put32(b + 84, 6);               /* ... nor .data */
	t_parse_fail(b, ELF_LEN, STP_FMT_ELF, "x.elf", 0, STP_ERR_IMAGE,
	             "none of the 4 program headers loads any bytes");
}

Test(image_elf, overlapping_segments_name_both)
{
	uint8_t b[ELF_LEN + 32];

	mk_elf(b);
	put32(b + 84 + 12, 0x08000008);
	t_parse_fail(b, ELF_LEN, STP_FMT_ELF, "x.elf", 0, STP_ERR_IMAGE,
	             "x.elf program header 1 (file offset 0xC4): data at "
	             "0x08000008..0x0800000F overlaps data from x.elf program "
	             "header 0 (file offset 0xB4) (0x08000000..0x0800000F)");
}

Test(image_elf, address_overflow)
{
	uint8_t b[ELF_LEN + 32];

	mk_elf(b);
	put32(b + 84 + 12, 0xFFFFFFFC);
	t_parse_fail(b, ELF_LEN, STP_FMT_ELF, "x.elf", 0, STP_ERR_IMAGE,
	             "8 bytes at 0xFFFFFFFC run past the end of the 32-bit");
}

Test(image_elf, truncation_at_every_offset)
{
	uint8_t b[ELF_LEN + 32];

	mk_elf(b);
	t_truncations(b, ELF_LEN, STP_FMT_ELF, "t.elf", ELF_LEN);
	t_truncations(b, ELF_LEN, STP_FMT_AUTO, "t.elf", ELF_LEN);
}
