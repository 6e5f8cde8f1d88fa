/* libstmprog: named option-byte fields (see stmprog/option_bytes.h).
 *
 * The first half of this file is data: one layout per family (or per group
 * of PIDs where parts of a family differ), each a list of fields with their
 * place in the option-byte image.  docs/option-bytes.md says which facts
 * come from which kind of source and which are not confirmed; keep both in
 * step.  The second half reads and writes fields through those tables and
 * has no family knowledge of its own.
 *
 * Offsets are into the image as read from chip->ob_start.  Bit positions
 * of the word-pair families are those of the FLASH_OPTR register (the
 * option-byte word is loaded into it as is); for F2/F4/F7 the USER/RDP
 * half-word mirrors FLASH_OPTCR[15:0] and the word at offset 8 mirrors
 * FLASH_OPTCR[31:16]; for L0/L1 the half-words at 0 and 4 mirror
 * FLASH_OPTR/OBR bits [15:0] and [31:16].
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "stmprog/guard.h"
#include "stmprog/option_bytes.h"

/* ---- value meanings shared by several families ------------------------ */

#define END {0, NULL}

static const stp_ob_value v_rst_stop[] = {
	{0, "reset on entering Stop"}, {1, "no reset on entering Stop"}, END};
static const stp_ob_value v_rst_stdby[] = {
	{0, "reset on entering Standby"}, {1, "no reset on entering Standby"}, END};
static const stp_ob_value v_rst_shdw[] = {
	{0, "reset on entering Shutdown"}, {1, "no reset on entering Shutdown"}, END};
static const stp_ob_value v_wdg_sw[] = {
	{0, "hardware watchdog"}, {1, "software watchdog"}, END};
static const stp_ob_value v_iwdg_stop[] = {
	{0, "IWDG frozen in Stop"}, {1, "IWDG runs in Stop"}, END};
static const stp_ob_value v_iwdg_stdby[] = {
	{0, "IWDG frozen in Standby"}, {1, "IWDG runs in Standby"}, END};
static const stp_ob_value v_enable[] = {
	{0, "disabled"}, {1, "enabled"}, END};
/* Parity bits where 0 switches the check on (F3 SRAM_PE, F0 RAM_PARITY_CHECK,
 * L4-class SRAM2_PE, G0/C0/U0 RAM_PARITY_CHECK). */
static const stp_ob_value v_parity_n[] = {
	{0, "parity check enabled"}, {1, "parity check disabled"}, END};
static const stp_ob_value v_sram2_rst[] = {
	{0, "SRAM2 erased on system reset"}, {1, "SRAM2 kept on system reset"}, END};
static const stp_ob_value v_nswboot0[] = {
	{0, "BOOT0 taken from nBOOT0"}, {1, "BOOT0 taken from the pin"}, END};
static const stp_ob_value v_nboot_sel[] = {
	{0, "BOOT0 taken from the pin"}, {1, "BOOT0 taken from nBOOT0"}, END};
/* F0: BOOT_SEL = 1 is the legacy pin mode. */
static const stp_ob_value v_boot_sel[] = {
	{0, "BOOT0 taken from nBOOT0"}, {1, "BOOT0 taken from the pin"}, END};
static const stp_ob_value v_nrst_mode[] = {
	{1, "reset input only"}, {2, "GPIO"}, {3, "reset input and output"}, END};
/* F2/F4/F7: two bits, 3 = off. */
static const stp_ob_value v_bor_f4[] = {
	{0, "BOR level 3"}, {1, "BOR level 2"}, {2, "BOR level 1"},
	{3, "BOR off"}, END};
/* L4-class: five thresholds, level 0 lowest. */
static const stp_ob_value v_bor_l4[] = {
	{0, "BOR level 0 (about 1.7 V)"}, {1, "BOR level 1 (about 2.0 V)"},
	{2, "BOR level 2 (about 2.2 V)"}, {3, "BOR level 3 (about 2.5 V)"},
	{4, "BOR level 4 (about 2.8 V)"}, END};
/* L0/L1: bit 3 clear = BOR off, 0x8..0xC = levels 1..5. */
static const stp_ob_value v_bor_l01[] = {
	{0x8, "BOR level 1"}, {0x9, "BOR level 2"}, {0xA, "BOR level 3"},
	{0xB, "BOR level 4"}, {0xC, "BOR level 5"}, END};

/* ---- field constructors ------------------------------------------------ */

/* F(name, offset, shift, width, description, values, other) */
#define F(n, o, s, w, d, v, x) {n, NULL, o, s, w, 0, d, v, x}
/* Same with an alias accepted on input. */
#define FA(n, a, o, s, w, d, v, x) {n, a, o, s, w, 0, d, v, x}
#define RDP_FIELD(o) \
	{"RDP", NULL, o, 0, 8, STP_OB_FIELD_RDP, "read protection level", NULL, NULL}

/* ---- F0, F1, F3: byte pairs (RM0091, RM0360, RM0008/PM0075, RM0316/
 * RM0313/RM0364/RM0365/RM0366: "Option byte organization") -------------- */

#define BYTEPAIR_DATA_WRP \
	F("Data0", 4, 0, 8, "user data byte 0", NULL, NULL), \
	F("Data1", 6, 0, 8, "user data byte 1", NULL, NULL), \
	F("WRP0", 8, 0, 8, "write protection, page group bits 0-7 (0: protected)", NULL, NULL), \
	F("WRP1", 10, 0, 8, "write protection, page group bits 8-15 (0: protected)", NULL, NULL), \
	F("WRP2", 12, 0, 8, "write protection, page group bits 16-23 (0: protected)", NULL, NULL), \
	F("WRP3", 14, 0, 8, "write protection, page group bits 24-31 (0: protected)", NULL, NULL)

static const stp_ob_field f0_fields[] = {
	RDP_FIELD(0),
	FA("WDG_SW", "IWDG_SW", 2, 0, 1, "watchdog selection", v_wdg_sw, NULL),
	F("nRST_STOP", 2, 1, 1, "reset when entering Stop", v_rst_stop, NULL),
	F("nRST_STDBY", 2, 2, 1, "reset when entering Standby", v_rst_stdby, NULL),
	F("nBOOT0", 2, 3, 1, "BOOT0 value when BOOT_SEL is 0 (F04x/F07x/F09x)", NULL, NULL),
	F("nBOOT1", 2, 4, 1, "boot selection with BOOT0", NULL, NULL),
	F("VDDA_MONITOR", 2, 5, 1, "VDDA power supply supervisor", v_enable, NULL),
	F("RAM_PARITY_CHECK", 2, 6, 1, "SRAM parity check", v_parity_n, NULL),
	F("BOOT_SEL", 2, 7, 1, "BOOT0 source (F04x/F07x/F09x)", v_boot_sel, NULL),
	BYTEPAIR_DATA_WRP,
};

static const stp_ob_field f1_fields[] = {
	RDP_FIELD(0),
	FA("WDG_SW", "IWDG_SW", 2, 0, 1, "watchdog selection", v_wdg_sw, NULL),
	F("nRST_STOP", 2, 1, 1, "reset when entering Stop", v_rst_stop, NULL),
	F("nRST_STDBY", 2, 2, 1, "reset when entering Standby", v_rst_stdby, NULL),
	BYTEPAIR_DATA_WRP,
};

static const stp_ob_field f3_fields[] = {
	RDP_FIELD(0),
	FA("WDG_SW", "IWDG_SW", 2, 0, 1, "watchdog selection", v_wdg_sw, NULL),
	F("nRST_STOP", 2, 1, 1, "reset when entering Stop", v_rst_stop, NULL),
	F("nRST_STDBY", 2, 2, 1, "reset when entering Standby", v_rst_stdby, NULL),
	F("nBOOT1", 2, 4, 1, "boot selection with BOOT0", NULL, NULL),
	F("VDDA_MONITOR", 2, 5, 1, "VDDA power supply supervisor", v_enable, NULL),
	F("SRAM_PE", 2, 6, 1, "SRAM parity check", v_parity_n, NULL),
	BYTEPAIR_DATA_WRP,
};

/* F37x adds the SDADC supply supervisor in bit 7 (RM0313). */
static const stp_ob_field f37_fields[] = {
	RDP_FIELD(0),
	FA("WDG_SW", "IWDG_SW", 2, 0, 1, "watchdog selection", v_wdg_sw, NULL),
	F("nRST_STOP", 2, 1, 1, "reset when entering Stop", v_rst_stop, NULL),
	F("nRST_STDBY", 2, 2, 1, "reset when entering Standby", v_rst_stdby, NULL),
	F("nBOOT1", 2, 4, 1, "boot selection with BOOT0", NULL, NULL),
	F("VDDA_MONITOR", 2, 5, 1, "VDDA power supply supervisor", v_enable, NULL),
	F("SRAM_PE", 2, 6, 1, "SRAM parity check", v_parity_n, NULL),
	F("SDADC12_VDD_MONITOR", 2, 7, 1, "SDADC1/2 supply supervisor", v_enable, NULL),
	BYTEPAIR_DATA_WRP,
};

/* ---- F2, F4, F7: plain (RM0033, RM0090 "Option byte organization"; F4
 * variants' bits from the FLASH_OPTCR descriptions) -------------------- */

#define F4_USER \
	F("BOR_LEV", 0, 2, 2, "brown-out reset threshold", v_bor_f4, NULL), \
	FA("WDG_SW", "IWDG_SW", 0, 5, 1, "watchdog selection", v_wdg_sw, NULL), \
	F("nRST_STOP", 0, 6, 1, "reset when entering Stop", v_rst_stop, NULL), \
	F("nRST_STDBY", 0, 7, 1, "reset when entering Standby", v_rst_stdby, NULL), \
	RDP_FIELD(1)

/* F2 and F405/407/415/417. */
static const stp_ob_field f4_basic_fields[] = {
	F4_USER,
	F("nWRP", 8, 0, 12, "sector write protection, bit i = sector i (0: protected)", NULL, NULL),
};

/* F401/410/411/412/413/446: SPRMOD switches nWRP to PCROP. */
static const stp_ob_field f4_sprmod_fields[] = {
	F4_USER,
	F("nWRP", 8, 0, 12, "sector write protection, bit i = sector i (0: protected unless SPRMOD)", NULL, NULL),
	F("SPRMOD", 8, 15, 1, "nWRP bits select PCROP instead of write protection", v_enable, NULL),
};

/* F42x/F43x/F469/F479: dual bank.  Bank 2's nWRP lives at 0x1FFEC008,
 * outside the 16 bytes read from ob_start, so it is not listed. */
static const stp_ob_field f4_dual_fields[] = {
	F("BOR_LEV", 0, 2, 2, "brown-out reset threshold", v_bor_f4, NULL),
	F("BFB2", 0, 4, 1, "dual-bank boot: always start the bootloader", v_enable, NULL),
	FA("WDG_SW", "IWDG_SW", 0, 5, 1, "watchdog selection", v_wdg_sw, NULL),
	F("nRST_STOP", 0, 6, 1, "reset when entering Stop", v_rst_stop, NULL),
	F("nRST_STDBY", 0, 7, 1, "reset when entering Standby", v_rst_stdby, NULL),
	RDP_FIELD(1),
	F("nWRP", 8, 0, 12, "bank 1 sector write protection (0: protected unless SPRMOD)", NULL, NULL),
	F("DB1M", 8, 14, 1, "1 MB parts: two banks of 512 KB", v_enable, NULL),
	F("SPRMOD", 8, 15, 1, "nWRP bits select PCROP instead of write protection", v_enable, NULL),
};

/* F7: the placement of the second word and of BOOT_ADDx is inferred from
 * FLASH_OPTCR/OPTCR1 the way F4 maps them (unconfirmed, see the docs). */
#define F7_USER \
	F("BOR_LEV", 0, 2, 2, "brown-out reset threshold", v_bor_f4, NULL), \
	F("WWDG_SW", 0, 4, 1, "window watchdog selection", v_wdg_sw, NULL), \
	F("IWDG_SW", 0, 5, 1, "independent watchdog selection", v_wdg_sw, NULL), \
	F("nRST_STOP", 0, 6, 1, "reset when entering Stop", v_rst_stop, NULL), \
	F("nRST_STDBY", 0, 7, 1, "reset when entering Standby", v_rst_stdby, NULL), \
	RDP_FIELD(1)
#define F7_TAIL \
	F("IWDG_STDBY", 8, 14, 1, "IWDG counter in Standby", v_iwdg_stdby, NULL), \
	F("IWDG_STOP", 8, 15, 1, "IWDG counter in Stop", v_iwdg_stop, NULL), \
	F("BOOT_ADD0", 16, 0, 16, "boot address with BOOT0 = 0 (address bits 29:14)", NULL, NULL), \
	F("BOOT_ADD1", 24, 0, 16, "boot address with BOOT0 = 1 (address bits 29:14)", NULL, NULL)

static const stp_ob_field f7_fields[] = {
	F7_USER,
	F("nWRP", 8, 0, 8, "sector write protection (0: protected)", NULL, NULL),
	F7_TAIL,
};

static const stp_ob_field f76_fields[] = {
	F7_USER,
	F("nWRP", 8, 0, 12, "sector write protection (0: protected)", NULL, NULL),
	F("nDBOOT", 8, 12, 1, "dual-bank boot disabled", NULL, NULL),
	F("nDBANK", 8, 13, 1, "single bank (1) or dual bank (0)", NULL, NULL),
	F7_TAIL,
};

/* ---- L0, L1: half-words (RM0367/RM0377/RM0376, RM0038) ---------------- */

static const stp_ob_field l0_fields[] = {
	RDP_FIELD(0),
	F("WPRMOD", 0, 8, 1, "WRPROT bits select PCROP instead of write protection", v_enable, NULL),
	F("BOR_LEV", 4, 0, 4, "brown-out reset threshold", v_bor_l01, "BOR off"),
	FA("WDG_SW", "IWDG_SW", 4, 4, 1, "watchdog selection", v_wdg_sw, NULL),
	F("nRST_STOP", 4, 5, 1, "reset when entering Stop", v_rst_stop, NULL),
	F("nRST_STDBY", 4, 6, 1, "reset when entering Standby", v_rst_stdby, NULL),
	F("BFB2", 4, 7, 1, "boot from bank 2 (dual-bank parts)", v_enable, NULL),
	F("nBOOT1", 4, 15, 1, "boot selection with BOOT0", NULL, NULL),
	F("WRPROT1", 8, 0, 32, "sector write protection 0-31 (1: protected)", NULL, NULL),
};

/* L07x/L08x have a second write-protection word for their larger flash. */
static const stp_ob_field l07_fields[] = {
	RDP_FIELD(0),
	F("WPRMOD", 0, 8, 1, "WRPROT bits select PCROP instead of write protection", v_enable, NULL),
	F("BOR_LEV", 4, 0, 4, "brown-out reset threshold", v_bor_l01, "BOR off"),
	FA("WDG_SW", "IWDG_SW", 4, 4, 1, "watchdog selection", v_wdg_sw, NULL),
	F("nRST_STOP", 4, 5, 1, "reset when entering Stop", v_rst_stop, NULL),
	F("nRST_STDBY", 4, 6, 1, "reset when entering Standby", v_rst_stdby, NULL),
	F("BFB2", 4, 7, 1, "boot from bank 2", v_enable, NULL),
	F("nBOOT1", 4, 15, 1, "boot selection with BOOT0", NULL, NULL),
	F("WRPROT1", 8, 0, 32, "sector write protection 0-31 (1: protected)", NULL, NULL),
	F("WRPROT2", 16, 0, 16, "sector write protection 32-47 (1: protected)", NULL, NULL),
};

static const stp_ob_field l1_fields[] = {
	RDP_FIELD(0),
	F("BOR_LEV", 4, 0, 4, "brown-out reset threshold", v_bor_l01, "BOR off"),
	FA("IWDG_SW", "WDG_SW", 4, 4, 1, "watchdog selection", v_wdg_sw, NULL),
	F("nRST_STOP", 4, 5, 1, "reset when entering Stop", v_rst_stop, NULL),
	F("nRST_STDBY", 4, 6, 1, "reset when entering Standby", v_rst_stdby, NULL),
	F("BFB2", 4, 7, 1, "boot from bank 2 (cat. 4 and up)", v_enable, NULL),
	F("WRP1", 8, 0, 32, "sector write protection 0-31 (1: protected)", NULL, NULL),
	F("WRP2", 16, 0, 32, "sector write protection 32-63 (1: protected)", NULL, NULL),
	F("WRP3", 24, 0, 32, "sector write protection 64-95 (1: protected)", NULL, NULL),
};

/* ---- L4, L4+, G0, G4, WB, WL, C0, U0: word pairs (FLASH_OPTR at offset 0,
 * its complement at 4; WRP1AR/WRP1BR at 0x18/0x20) --------------------- */

#define OPTR_RST_12 \
	F("nRST_STOP", 0, 12, 1, "reset when entering Stop", v_rst_stop, NULL), \
	F("nRST_STDBY", 0, 13, 1, "reset when entering Standby", v_rst_stdby, NULL), \
	F("nRST_SHDW", 0, 14, 1, "reset when entering Shutdown", v_rst_shdw, NULL)
#define OPTR_RST_13 \
	F("nRST_STOP", 0, 13, 1, "reset when entering Stop", v_rst_stop, NULL), \
	F("nRST_STDBY", 0, 14, 1, "reset when entering Standby", v_rst_stdby, NULL), \
	F("nRST_SHDW", 0, 15, 1, "reset when entering Shutdown", v_rst_shdw, NULL)
#define OPTR_WDG \
	F("IWDG_SW", 0, 16, 1, "independent watchdog selection", v_wdg_sw, NULL), \
	F("IWDG_STOP", 0, 17, 1, "IWDG counter in Stop", v_iwdg_stop, NULL), \
	F("IWDG_STDBY", 0, 18, 1, "IWDG counter in Standby", v_iwdg_stdby, NULL), \
	F("WWDG_SW", 0, 19, 1, "window watchdog selection", v_wdg_sw, NULL)
#define OPTR_BOOT_L4 \
	F("nBOOT1", 0, 23, 1, "boot selection with BOOT0", NULL, NULL), \
	F("SRAM2_PE", 0, 24, 1, "SRAM2 parity check", v_parity_n, NULL), \
	F("SRAM2_RST", 0, 25, 1, "SRAM2 erase on system reset", v_sram2_rst, NULL), \
	F("nSWBOOT0", 0, 26, 1, "BOOT0 source", v_nswboot0, NULL), \
	F("nBOOT0", 0, 27, 1, "BOOT0 value when nSWBOOT0 is 0", NULL, NULL)
#define OPTR_BOOT_G0 \
	F("nBOOT_SEL", 0, 24, 1, "BOOT0 source", v_nboot_sel, NULL), \
	F("nBOOT1", 0, 25, 1, "boot selection with BOOT0", NULL, NULL), \
	F("nBOOT0", 0, 26, 1, "BOOT0 value when nBOOT_SEL is 1", NULL, NULL), \
	F("NRST_MODE", 0, 27, 2, "NRST pin mode", v_nrst_mode, "reserved"), \
	F("IRHEN", 0, 29, 1, "internal reset holder", v_enable, NULL)
#define WRP_AREAS(bits) \
	F("WRP1A_STRT", 0x18, 0, bits, "first page of write-protected area A", NULL, NULL), \
	F("WRP1A_END", 0x18, 16, bits, "last page of write-protected area A", NULL, NULL), \
	F("WRP1B_STRT", 0x20, 0, bits, "first page of write-protected area B", NULL, NULL), \
	F("WRP1B_END", 0x20, 16, bits, "last page of write-protected area B", NULL, NULL)

/* L4 images are 16 bytes in the chip table: FLASH_OPTR and PCROP1SR only. */
static const stp_ob_field l4_fields[] = {
	RDP_FIELD(0),
	F("BOR_LEV", 0, 8, 3, "brown-out reset threshold", v_bor_l4, "reserved"),
	OPTR_RST_12,
	OPTR_WDG,
	OPTR_BOOT_L4,
};

/* L47x/L48x/L49x/L4Ax: two banks. */
static const stp_ob_field l4_dual_fields[] = {
	RDP_FIELD(0),
	F("BOR_LEV", 0, 8, 3, "brown-out reset threshold", v_bor_l4, "reserved"),
	OPTR_RST_12,
	OPTR_WDG,
	F("BFB2", 0, 20, 1, "dual-bank boot", v_enable, NULL),
	F("DUALBANK", 0, 21, 1, "1 MB/256 KB parts: dual bank", v_enable, NULL),
	OPTR_BOOT_L4,
};

static const stp_ob_field l4p_fields[] = {
	RDP_FIELD(0),
	F("BOR_LEV", 0, 8, 3, "brown-out reset threshold", v_bor_l4, "reserved"),
	OPTR_RST_12,
	OPTR_WDG,
	F("BFB2", 0, 20, 1, "dual-bank boot", v_enable, NULL),
	F("DB1M", 0, 21, 1, "1 MB parts: dual bank", v_enable, NULL),
	F("DBANK", 0, 22, 1, "dual-bank mode", v_enable, NULL),
	OPTR_BOOT_L4,
};

static const stp_ob_field g4_fields[] = {
	RDP_FIELD(0),
	F("BOR_LEV", 0, 8, 3, "brown-out reset threshold", v_bor_l4, "reserved"),
	OPTR_RST_12,
	OPTR_WDG,
	F("nBOOT1", 0, 23, 1, "boot selection with BOOT0", NULL, NULL),
	FA("SRAM2_PE", "SRAM_PE", 0, 24, 1, "SRAM parity check", v_parity_n, NULL),
	FA("SRAM2_RST", "CCMSRAM_RST", 0, 25, 1, "CCM SRAM erase on system reset", v_sram2_rst, NULL),
	F("nSWBOOT0", 0, 26, 1, "BOOT0 source", v_nswboot0, NULL),
	F("nBOOT0", 0, 27, 1, "BOOT0 value when nSWBOOT0 is 0", NULL, NULL),
	F("NRST_MODE", 0, 28, 2, "NRST pin mode", v_nrst_mode, "reserved"),
	F("IRHEN", 0, 30, 1, "internal reset holder", v_enable, NULL),
	WRP_AREAS(7),
};

#define G0_OPTR_HEAD \
	RDP_FIELD(0), \
	F("BOREN", 0, 8, 1, "brown-out reset", v_enable, NULL), \
	F("BORF_LEV", 0, 9, 2, "BOR falling threshold (0: about 2.0 V ... 3: about 2.8 V)", NULL, NULL), \
	F("BORR_LEV", 0, 11, 2, "BOR rising threshold (0: about 2.1 V ... 3: about 2.9 V)", NULL, NULL), \
	OPTR_RST_13, \
	OPTR_WDG

static const stp_ob_field g0_fields[] = {
	G0_OPTR_HEAD,
	F("RAM_PARITY_CHECK", 0, 22, 1, "SRAM parity check", v_parity_n, NULL),
	OPTR_BOOT_G0,
	WRP_AREAS(7),
};

/* G0B0/G0B1/G0C1: two banks. */
static const stp_ob_field g0_dual_fields[] = {
	G0_OPTR_HEAD,
	F("nSWAP_BANK", 0, 20, 1, "bank swap (0: swapped)", NULL, NULL),
	F("DUAL_BANK", 0, 21, 1, "dual-bank mode", v_enable, NULL),
	F("RAM_PARITY_CHECK", 0, 22, 1, "SRAM parity check", v_parity_n, NULL),
	OPTR_BOOT_G0,
	WRP_AREAS(7),
};

static const stp_ob_field c0_fields[] = {
	G0_OPTR_HEAD,
	F("RAM_PARITY_CHECK", 0, 22, 1, "SRAM parity check", v_parity_n, NULL),
	OPTR_BOOT_G0,
	WRP_AREAS(6),
};

/* U0: BOR bits left out (their placement is not confirmed). */
static const stp_ob_field u0_fields[] = {
	RDP_FIELD(0),
	OPTR_RST_13,
	OPTR_WDG,
	F("BDRST", 0, 21, 1, "backup domain reset", NULL, NULL),
	F("RAM_PARITY_CHECK", 0, 22, 1, "SRAM parity check", v_parity_n, NULL),
	F("BKPSRAM_HW_ERASE_DISABLE", 0, 23, 1, "backup SRAM erase prevention", NULL, NULL),
	OPTR_BOOT_G0,
	WRP_AREAS(7),
};

#define WB_OPTR_HEAD \
	RDP_FIELD(0), \
	{"ESE", NULL, 0, 8, 1, STP_OB_FIELD_READONLY, \
	 "security enabled (set by the wireless stack installer)", v_enable, NULL}, \
	F("BOR_LEV", 0, 9, 3, "brown-out reset threshold", v_bor_l4, "reserved"), \
	OPTR_RST_12, \
	OPTR_WDG, \
	OPTR_BOOT_L4

static const stp_ob_field wb_fields[] = {
	WB_OPTR_HEAD,
	F("AGC_TRIM", 0, 29, 3, "radio automatic gain control trimming", NULL, NULL),
	F("WRP1A_STRT", 0x18, 0, 8, "first page of write-protected area A", NULL, NULL),
	F("WRP1A_END", 0x18, 16, 8, "last page of write-protected area A", NULL, NULL),
};

static const stp_ob_field wl_fields[] = {
	WB_OPTR_HEAD,
	F("WRP1A_STRT", 0x18, 0, 8, "first page of write-protected area A", NULL, NULL),
	F("WRP1A_END", 0x18, 16, 8, "last page of write-protected area A", NULL, NULL),
};

/* ---- L5, U5, U3, WBA: option registers (RM0438, RM0456; the chip table
 * maps FLASH_OPTR at 0x40 and the eleven registers after it, so image
 * offset k is register offset 0x40 + k).  No complements: the ROM reads
 * and writes the registers themselves. ------------------------------- */

static const stp_ob_value v_tzen[] = {
	{0, "TrustZone off"}, {1, "TrustZone on"}, END};
static const stp_ob_value v_swap_bank[] = {
	{0, "banks not swapped"}, {1, "banks swapped"}, END};
static const stp_ob_value v_sram_rst[] = {
	{0, "erased on system reset"}, {1, "not erased on system reset"}, END};
static const stp_ob_value v_ecc_n[] = {
	{0, "ECC enabled"}, {1, "ECC disabled"}, END};

/* TZEN is shown, not changed: TrustZone moves the flash and the
 * bootloader's view of it to secure aliases stmprog does not plan for,
 * and clearing it needs a readout-protection regression. */
#define OPTR_TZEN \
	{"TZEN", NULL, 0, 31, 1, STP_OB_FIELD_READONLY, \
	 "TrustZone (change it with STM32CubeProgrammer)", v_tzen, NULL}
#define OPTR_V8M_HEAD \
	RDP_FIELD(0), \
	F("BOR_LEV", 0, 8, 3, "brown-out reset threshold", v_bor_l4, "reserved"), \
	OPTR_RST_12
#define OPTR_BOOT_V8M \
	F("nSWBOOT0", 0, 26, 1, "BOOT0 source", v_nswboot0, NULL), \
	F("nBOOT0", 0, 27, 1, "BOOT0 value when nSWBOOT0 is 0", NULL, NULL)
/* NSBOOTADDx hold address bits 31:7; BOOT0 = 1 starts at NSBOOTADD1,
 * which is the bootloader's address in a new chip. */
#define NSBOOTADD \
	F("NSBOOTADD0", 4, 7, 25, "boot address with BOOT0 = 0 (address bits 31:7)", NULL, NULL), \
	F("NSBOOTADD1", 8, 7, 25, "boot address with BOOT0 = 1 (address bits 31:7)", NULL, NULL)
#define WRP_AREAS_V8M(bits) \
	F("WRP1A_PSTRT", 0x18, 0, bits, "bank 1 area A first page (area off when start > end)", NULL, NULL), \
	F("WRP1A_PEND", 0x18, 16, bits, "bank 1 area A last page", NULL, NULL), \
	F("WRP1B_PSTRT", 0x1C, 0, bits, "bank 1 area B first page", NULL, NULL), \
	F("WRP1B_PEND", 0x1C, 16, bits, "bank 1 area B last page", NULL, NULL), \
	F("WRP2A_PSTRT", 0x28, 0, bits, "bank 2 area A first page", NULL, NULL), \
	F("WRP2A_PEND", 0x28, 16, bits, "bank 2 area A last page", NULL, NULL), \
	F("WRP2B_PSTRT", 0x2C, 0, bits, "bank 2 area B first page", NULL, NULL), \
	F("WRP2B_PEND", 0x2C, 16, bits, "bank 2 area B last page", NULL, NULL)

static const stp_ob_field l5_fields[] = {
	OPTR_V8M_HEAD,
	OPTR_WDG,
	F("SWAP_BANK", 0, 20, 1, "bank swap", v_swap_bank, NULL),
	F("DB256K", 0, 21, 1, "256 KB parts: dual bank", v_enable, NULL),
	F("DBANK", 0, 22, 1, "dual-bank mode", v_enable, NULL),
	F("SRAM2_PE", 0, 24, 1, "SRAM2 parity check", v_parity_n, NULL),
	F("SRAM2_RST", 0, 25, 1, "SRAM2 erase on system reset", v_sram2_rst, NULL),
	OPTR_BOOT_V8M,
	F("PA15_PUPEN", 0, 28, 1, "PA15 pull-up", v_enable, NULL),
	OPTR_TZEN,
	NSBOOTADD,
	WRP_AREAS_V8M(7),
};

#define U5_OPTR \
	OPTR_V8M_HEAD, \
	F("SRAM1345_RST", 0, 15, 1, "SRAM1/3/4/5", v_sram_rst, NULL), \
	OPTR_WDG, \
	F("SWAP_BANK", 0, 20, 1, "bank swap", v_swap_bank, NULL), \
	F("DUALBANK", 0, 21, 1, "dual bank on parts with half the flash", v_enable, NULL), \
	F("BKPRAM_ECC", 0, 22, 1, "backup RAM ECC", v_ecc_n, NULL), \
	F("SRAM3_ECC", 0, 23, 1, "SRAM3 ECC", v_ecc_n, NULL), \
	F("SRAM2_ECC", 0, 24, 1, "SRAM2 ECC", v_ecc_n, NULL), \
	F("SRAM2_RST", 0, 25, 1, "SRAM2 erase on system reset", v_sram2_rst, NULL), \
	OPTR_BOOT_V8M, \
	F("PA15_PUPEN", 0, 28, 1, "PA15 pull-up", v_enable, NULL), \
	F("IO_VDD_HSLV", 0, 29, 1, "I/O high speed at low VDD", v_enable, NULL), \
	F("IO_VDDIO2_HSLV", 0, 30, 1, "I/O high speed at low VDDIO2", v_enable, NULL), \
	OPTR_TZEN, \
	NSBOOTADD

/* U535/U545/U575/U585: up to 128 pages a bank. */
static const stp_ob_field u5_fields[] = {
	U5_OPTR,
	WRP_AREAS_V8M(7),
};

/* U59x/U5Ax/U5Fx/U5Gx: 256 pages a bank, so one more page bit
 * (inferred from the page count; see docs/option-bytes.md). */
static const stp_ob_field u5_big_fields[] = {
	U5_OPTR,
	WRP_AREAS_V8M(8),
};

/* U3: BOOT0R/BOOT1R in place of NSBOOTADDx (RM0487 names; same bits). */
static const stp_ob_field u3_fields[] = {
	OPTR_V8M_HEAD,
	F("SRAM1_RST", 0, 15, 1, "SRAM1", v_sram_rst, NULL),
	OPTR_WDG,
	F("SWAP_BANK", 0, 20, 1, "bank swap", v_swap_bank, NULL),
	F("DUALBANK", 0, 21, 1, "dual bank on parts with half the flash", v_enable, NULL),
	F("SRAM2_PE", 0, 24, 1, "SRAM2 parity check", v_parity_n, NULL),
	F("SRAM2_RST", 0, 25, 1, "SRAM2 erase on system reset", v_sram2_rst, NULL),
	OPTR_BOOT_V8M,
	F("IO_VDD_HSLV", 0, 29, 1, "I/O high speed at low VDD", v_enable, NULL),
	F("IO_VDDIO2_HSLV", 0, 30, 1, "I/O high speed at low VDDIO2", v_enable, NULL),
	OPTR_TZEN,
	NSBOOTADD,
	WRP_AREAS_V8M(7),
};

static const stp_ob_field wba_fields[] = {
	OPTR_V8M_HEAD,
	F("SRAM1_RST", 0, 15, 1, "SRAM1", v_sram_rst, NULL),
	OPTR_WDG,
	F("SWAP_BANK", 0, 20, 1, "bank swap (dual-bank parts)", v_swap_bank, NULL),
	F("DUALBANK", 0, 21, 1, "dual bank (dual-bank parts)", v_enable, NULL),
	F("SRAM2_PE", 0, 24, 1, "SRAM2 parity check", v_parity_n, NULL),
	F("SRAM2_RST", 0, 25, 1, "SRAM2 erase on system reset", v_sram2_rst, NULL),
	OPTR_BOOT_V8M,
	F("IO_VDD_HSLV", 0, 29, 1, "I/O high speed at low VDD", v_enable, NULL),
	F("IO_VDDIO2_HSLV", 0, 30, 1, "I/O high speed at low VDDIO2", v_enable, NULL),
	OPTR_TZEN,
	NSBOOTADD,
	WRP_AREAS_V8M(7),
};

/* ---- H7 (RM0433, RM0455, RM0468): the window starts at FLASH_OPTSR_CUR
 * (0x5200201C), so image offset k is register offset 0x1C + k:
 * 0x00 OPTSR_CUR, 0x04 OPTSR_PRG, 0x08 OPTCCR, 0x0C/0x10 PRAR_CUR1/PRG1,
 * 0x14/0x18 SCAR_CUR1/PRG1, 0x1C/0x20 WPSN_CUR1R/PRG1R, 0x24/0x28
 * BOOT_CURR/BOOT_PRGR.  Fields are read from the _CUR word; a change is
 * written into the _CUR word and its _PRG twin (see twins below). ------ */

static const stp_ob_value v_bor_h7[] = {
	{0, "BOR off"}, {1, "BOR level 1"}, {2, "BOR level 2"},
	{3, "BOR level 3"}, END};
static const stp_ob_value v_iwdg_hw[] = {
	{0, "hardware watchdog"}, {1, "software watchdog"}, END};
static const stp_ob_value v_fz_n[] = {
	{0, "IWDG frozen"}, {1, "IWDG runs"}, END};

#define H7_OPTSR \
	F("BOR_LEV", 0, 2, 2, "brown-out reset threshold", v_bor_h7, NULL), \
	FA("IWDG1_SW", "IWDG_SW", 0, 4, 1, "IWDG1 selection", v_iwdg_hw, NULL), \
	FA("nRST_STOP_D1", "nRST_STOP", 0, 6, 1, "reset when D1 enters Stop", v_rst_stop, NULL), \
	FA("nRST_STBY_D1", "nRST_STDBY", 0, 7, 1, "reset when D1 enters Standby", v_rst_stdby, NULL), \
	{"RDP", NULL, 0, 8, 8, STP_OB_FIELD_RDP, "read protection level", NULL, NULL}, \
	FA("FZ_IWDG_STOP", "IWDG_FZ_STOP", 0, 17, 1, "IWDG in Stop", v_fz_n, NULL), \
	FA("FZ_IWDG_SDBY", "IWDG_FZ_SDBY", 0, 18, 1, "IWDG in Standby", v_fz_n, NULL), \
	F("ST_RAM_SIZE", 0, 19, 2, "RAM kept for ST's secure library", NULL, NULL), \
	{"SECURITY", NULL, 0, 21, 1, STP_OB_FIELD_READONLY, \
	 "secure access mode (change it with STM32CubeProgrammer)", v_enable, NULL}, \
	F("IO_HSLV", 0, 29, 1, "I/O high speed at low voltage", v_enable, NULL), \
	F("SWAP_BANK_OPT", 0, 31, 1, "bank swap", v_swap_bank, NULL)
#define H7_BOOT \
	F("BOOT_ADD0", 0x24, 0, 16, "boot address with BOOT0 = 0 (address bits 31:16)", NULL, NULL), \
	F("BOOT_ADD1", 0x24, 16, 16, "boot address with BOOT0 = 1 (address bits 31:16)", NULL, NULL)

/* H742/743/750/753 and H723/733 (single core; the dual-core H745/747/
 * 755/757 share PID 0x450 and have D2 bits not listed here). */
static const stp_ob_field h7_fields[] = {
	H7_OPTSR,
	FA("WRPSN1", "nWRP", 0x1C, 0, 8, "bank 1 sector write protection, bit i = sector i (0: protected)", NULL, NULL),
	H7_BOOT,
};

/* H7A3/7B0/7B3: 128 sectors a bank, one WRPSN bit per group of four. */
static const stp_ob_field h7ab_fields[] = {
	H7_OPTSR,
	FA("WRPSN1", "nWRP", 0x1C, 0, 32, "bank 1 write protection, bit i = sectors 4i..4i+3 (0: protected)", NULL, NULL),
	H7_BOOT,
};

static const uint8_t twins_h7[] = {0x00, 0x0C, 0x14, 0x1C, 0x24, 0xFF};

/* ---- H5 (RM0481, RM0492 for H503): the window starts at
 * FLASH_OPTSR_CUR (0x40022050): 0x00 OPTSR_CUR, 0x04 OPTSR_PRG,
 * 0x10/0x14 NSEPOCHR, 0x18/0x1C SECEPOCHR, 0x20 OPTSR2_CUR, 0x24
 * OPTSR2_PRG.  H5 has no RDP: its PRODUCT_STATE (open, provisioned,
 * closed, locked) is shown and left to STM32CubeProgrammer. ------------ */

static const stp_ob_value v_bor_h5[] = {
	{0, "BOR level 1"}, {1, "BOR level 2"}, {2, "BOR level 3"},
	{3, "BOR level 1"}, END};
static const stp_ob_value v_product_state[] = {
	{0xED, "open"}, {0x17, "provisioning"}, {0x2E, "iROT provisioned"},
	{0xC6, "TZ closed"}, {0x72, "closed"}, {0x5C, "locked"}, END};

#define H5_OPTSR_HEAD \
	F("BOR_LEV", 0, 0, 2, "brown-out reset threshold", v_bor_h5, NULL), \
	F("BORH_EN", 0, 2, 1, "BOR high threshold", v_enable, NULL), \
	F("IWDG_SW", 0, 3, 1, "independent watchdog selection", v_wdg_sw, NULL), \
	F("WWDG_SW", 0, 4, 1, "window watchdog selection", v_wdg_sw, NULL)
#define H5_OPTSR_TAIL \
	F("NRST_STOP", 0, 6, 1, "reset when entering Stop", v_rst_stop, NULL), \
	F("NRST_STDBY", 0, 7, 1, "reset when entering Standby", v_rst_stdby, NULL), \
	{"PRODUCT_STATE", NULL, 0, 8, 8, STP_OB_FIELD_READONLY, \
	 "life-cycle state (change it with STM32CubeProgrammer)", v_product_state, "not a known state"}, \
	F("IO_VDD_HSLV", 0, 16, 1, "I/O high speed at low VDD", v_enable, NULL), \
	F("IO_VDDIO2_HSLV", 0, 17, 1, "I/O high speed at low VDDIO2", v_enable, NULL), \
	F("IWDG_STOP", 0, 20, 1, "IWDG counter in Stop", v_iwdg_stop, NULL), \
	F("IWDG_STDBY", 0, 21, 1, "IWDG counter in Standby", v_iwdg_stdby, NULL)

static const stp_ob_field h5_fields[] = {
	H5_OPTSR_HEAD,
	H5_OPTSR_TAIL,
	{"BOOT_UBE", NULL, 0, 22, 8, STP_OB_FIELD_READONLY,
	 "unique boot entry (0xB4 flash, 0xC3 ST iRoT; change it with STM32CubeProgrammer)", NULL, NULL},
	F("SWAP_BANK", 0, 31, 1, "bank swap", v_swap_bank, NULL),
	F("SRAM13_RST", 0x20, 2, 1, "SRAM1/3", v_sram_rst, NULL),
	F("SRAM2_RST", 0x20, 3, 1, "SRAM2", v_sram_rst, NULL),
	F("BKPRAM_ECC", 0x20, 4, 1, "backup RAM ECC", v_ecc_n, NULL),
	F("SRAM3_ECC", 0x20, 5, 1, "SRAM3 ECC", v_ecc_n, NULL),
	F("SRAM2_ECC", 0x20, 6, 1, "SRAM2 ECC", v_ecc_n, NULL),
	F("USBPD_DIS", 0x20, 8, 1, "USB Type-C dead-battery pull-downs disabled", v_enable, NULL),
	{"TZEN", NULL, 0x20, 24, 8, STP_OB_FIELD_READONLY,
	 "TrustZone (0xC3 off, 0xB4 on; change it with STM32CubeProgrammer)", NULL, NULL},
};

static const stp_ob_field h50_fields[] = {
	H5_OPTSR_HEAD,
	F("NRST_SHDW", 0, 5, 1, "reset when entering Shutdown", v_rst_shdw, NULL),
	H5_OPTSR_TAIL,
	F("SWAP_BANK", 0, 31, 1, "bank swap", v_swap_bank, NULL),
	F("SRAM2_RST", 0x20, 3, 1, "SRAM2", v_sram_rst, NULL),
	F("BKPRAM_ECC", 0x20, 4, 1, "backup RAM ECC", v_ecc_n, NULL),
	F("SRAM2_ECC", 0x20, 6, 1, "SRAM2 ECC", v_ecc_n, NULL),
	F("SRAM1_RST", 0x20, 9, 1, "SRAM1", v_sram_rst, NULL),
	F("SRAM1_ECC", 0x20, 10, 1, "SRAM1 ECC", v_ecc_n, NULL),
};

static const uint8_t twins_h5[] = {0x00, 0x20, 0xFF};

/* ---- which layout a chip has ------------------------------------------ */

typedef struct ob_layout {
	const char *families;    /* space-separated chip->family names */
	const uint16_t *pids;    /* 0-terminated; NULL = every part of the families */
	stp_ob_shape shape;
	uint8_t rdp_level0;      /* RDP value of level 0 */
	bool has_level2;         /* 0xCC is level 2 (F1 has no level 2) */
	const stp_ob_field *fields;
	size_t nfields;
	/* Register windows with a current and a program word per option
	 * register (H7, H5): the offsets of the current words, each followed
	 * 4 bytes on by its program word, ended by 0xFF; NULL = none. */
	const uint8_t *twins;
	/* TrustZone parts: RDP 0x55 is level 0.5. */
	bool has_level05;
} ob_layout;

#define LAYOUT(fam, pids, shape, l0, l2, f) \
	{fam, pids, shape, l0, l2, f, sizeof(f) / sizeof(f[0]), NULL, false}
#define LAYOUT_REG(fam, pids, l2, f, twins, l05) \
	{fam, pids, STP_OB_PLAIN, 0xAA, l2, f, sizeof(f) / sizeof(f[0]), twins, l05}

static const uint16_t pid_f37[] = {0x432, 0};
static const uint16_t pid_f4_basic[] = {0x413, 0};
static const uint16_t pid_f4_dual[] = {0x419, 0x434, 0};
static const uint16_t pid_f76[] = {0x451, 0};
static const uint16_t pid_l07[] = {0x447, 0};
static const uint16_t pid_l4_dual[] = {0x415, 0x461, 0};
static const uint16_t pid_g0_dual[] = {0x467, 0};
static const uint16_t pid_u5_big[] = {0x476, 0x481, 0};
static const uint16_t pid_h7[] = {0x450, 0x483, 0};
static const uint16_t pid_h7ab[] = {0x480, 0};
static const uint16_t pid_h50[] = {0x474, 0};
static const uint16_t pid_h5[] = {0x478, 0x484, 0};

/* First match wins: PID-specific rows come before their family's row. */
static const ob_layout layouts[] = {
	LAYOUT("F0", NULL, STP_OB_BYTE_PAIRS, 0xAA, true, f0_fields),
	LAYOUT("F1", NULL, STP_OB_BYTE_PAIRS, 0xA5, false, f1_fields),
	LAYOUT("F3", pid_f37, STP_OB_BYTE_PAIRS, 0xAA, true, f37_fields),
	LAYOUT("F3", NULL, STP_OB_BYTE_PAIRS, 0xAA, true, f3_fields),
	LAYOUT("F2", NULL, STP_OB_PLAIN, 0xAA, true, f4_basic_fields),
	LAYOUT("F4", pid_f4_basic, STP_OB_PLAIN, 0xAA, true, f4_basic_fields),
	LAYOUT("F4", pid_f4_dual, STP_OB_PLAIN, 0xAA, true, f4_dual_fields),
	LAYOUT("F4", NULL, STP_OB_PLAIN, 0xAA, true, f4_sprmod_fields),
	LAYOUT("F7", pid_f76, STP_OB_PLAIN, 0xAA, true, f76_fields),
	LAYOUT("F7", NULL, STP_OB_PLAIN, 0xAA, true, f7_fields),
	LAYOUT("L0", pid_l07, STP_OB_HALF_WORDS, 0xAA, true, l07_fields),
	LAYOUT("L0", NULL, STP_OB_HALF_WORDS, 0xAA, true, l0_fields),
	LAYOUT("L1", NULL, STP_OB_HALF_WORDS, 0xAA, true, l1_fields),
	LAYOUT("L4", pid_l4_dual, STP_OB_WORD_PAIRS, 0xAA, true, l4_dual_fields),
	LAYOUT("L4", NULL, STP_OB_WORD_PAIRS, 0xAA, true, l4_fields),
	LAYOUT("L4+", NULL, STP_OB_WORD_PAIRS, 0xAA, true, l4p_fields),
	LAYOUT("G0", pid_g0_dual, STP_OB_WORD_PAIRS, 0xAA, true, g0_dual_fields),
	LAYOUT("G0", NULL, STP_OB_WORD_PAIRS, 0xAA, true, g0_fields),
	LAYOUT("G4", NULL, STP_OB_WORD_PAIRS, 0xAA, true, g4_fields),
	LAYOUT("WB", NULL, STP_OB_WORD_PAIRS, 0xAA, true, wb_fields),
	LAYOUT("WL", NULL, STP_OB_WORD_PAIRS, 0xAA, true, wl_fields),
	LAYOUT("C0", NULL, STP_OB_WORD_PAIRS, 0xAA, true, c0_fields),
	LAYOUT("U0", NULL, STP_OB_WORD_PAIRS, 0xAA, true, u0_fields),
	LAYOUT_REG("L5", NULL, true, l5_fields, NULL, true),
	LAYOUT_REG("U5", pid_u5_big, true, u5_big_fields, NULL, true),
	LAYOUT_REG("U5", NULL, true, u5_fields, NULL, true),
	LAYOUT_REG("U3", NULL, true, u3_fields, NULL, true),
	LAYOUT_REG("WBA", NULL, true, wba_fields, NULL, true),
	/* H7R/H7S (0x485) keep their option words elsewhere (FLASH + 0x200
	 * on), not in the window the chip table maps: not listed. */
	LAYOUT_REG("H7", pid_h7, true, h7_fields, twins_h7, false),
	LAYOUT_REG("H7", pid_h7ab, true, h7ab_fields, twins_h7, false),
	LAYOUT_REG("H5", pid_h50, false, h50_fields, twins_h5, false),
	LAYOUT_REG("H5", pid_h5, false, h5_fields, twins_h5, false),
};

#define RDP_LEVEL2 0xCCu

static bool family_in(const char *list, const char *family)
{
	size_t n = strlen(family);

	for (const char *p = list; *p;) {
		size_t len = strcspn(p, " ");
		if (len == n && strncmp(p, family, n) == 0)
			return true;
		p += len;
		p += strspn(p, " ");
	}
	return false;
}

static bool pid_in(const uint16_t *pids, uint16_t pid)
{
	for (; *pids; pids++)
		if (*pids == pid)
			return true;
	return false;
}

static const ob_layout *layout_of(const stp_chip *chip)
{
	if (!chip || !chip->family)
		return NULL;
	for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
		const ob_layout *l = &layouts[i];
		if (family_in(l->families, chip->family) &&
		    (!l->pids || pid_in(l->pids, chip->pid)))
			return l;
	}
	return NULL;
}

/* ---- image geometry ----------------------------------------------------- */

/* Where the complement of value byte off lives, or -1 if it has none. */
static long complement_of(stp_ob_shape shape, size_t off)
{
	switch (shape) {
	case STP_OB_BYTE_PAIRS:
		return off % 2 == 0 ? (long)off + 1 : -1;
	case STP_OB_HALF_WORDS:
		return off % 4 < 2 ? (long)off + 2 : -1;
	case STP_OB_WORD_PAIRS:
		return off % 8 < 4 ? (long)off + 4 : -1;
	case STP_OB_PLAIN:
		break;
	}
	return -1;
}

static bool is_value_byte(stp_ob_shape shape, size_t off)
{
	switch (shape) {
	case STP_OB_BYTE_PAIRS:
		return off % 2 == 0;
	case STP_OB_HALF_WORDS:
		return off % 4 < 2;
	case STP_OB_WORD_PAIRS:
		return off % 8 < 4;
	case STP_OB_PLAIN:
		break;
	}
	return true;
}

/* The value byte after value byte off (complements are skipped). */
static size_t next_value_byte(stp_ob_shape shape, size_t off)
{
	do
		off++;
	while (!is_value_byte(shape, off));
	return off;
}

/* The image offsets of the bytes field f spans, lowest first; returns how
 * many (1..4). */
static unsigned field_bytes(stp_ob_shape shape, const stp_ob_field *f,
                            size_t out[4])
{
	unsigned n = (unsigned)(f->shift + f->width + 7) / 8;
	size_t off = f->offset;

	for (unsigned i = 0; i < n; i++) {
		out[i] = off;
		off = next_value_byte(shape, off);
	}
	return n;
}

static uint32_t field_max(const stp_ob_field *f)
{
	return f->width >= 32 ? 0xFFFFFFFFu : (1u << f->width) - 1;
}

static uint32_t read_field(stp_ob_shape shape, const stp_ob_field *f,
                           const uint8_t *ob)
{
	size_t at[4];
	unsigned n = field_bytes(shape, f, at);
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)ob[at[i]] << (8 * i);
	return (uint32_t)(v >> f->shift) & field_max(f);
}

/* In a register window with twins, the offset of the current word that
 * holds byte off, or -1. */
static long twin_of(const ob_layout *l, size_t off)
{
	for (const uint8_t *t = l->twins; t && *t != 0xFF; t++)
		if (off >= *t && off < (size_t)*t + 4u)
			return (long)*t;
	return -1;
}

/* Writes the field and the complement of every byte it touched (where the
 * complement is inside the image); in a register window, the whole
 * current word into the register's program word as well, so the image
 * written back asks for the same value whichever of the two the ROM
 * programs from (a program word left as read could hold anything, RDP
 * included). */
static void write_field(const ob_layout *l, const stp_ob_field *f, uint8_t *ob,
                        size_t len, uint32_t value)
{
	size_t at[4];
	unsigned n = field_bytes(l->shape, f, at);
	uint64_t v = 0, mask = (uint64_t)field_max(f) << f->shift;

	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)ob[at[i]] << (8 * i);
	v = (v & ~mask) | (((uint64_t)value << f->shift) & mask);
	for (unsigned i = 0; i < n; i++) {
		long k = complement_of(l->shape, at[i]);
		long w = twin_of(l, at[i]);
		ob[at[i]] = (uint8_t)(v >> (8 * i));
		if (k >= 0 && (size_t)k < len)
			ob[k] = (uint8_t)~ob[at[i]];
		if (w >= 0 && (size_t)w + 8 <= len)
			memcpy(ob + w + 4, ob + w, 4);
	}
}

/* The last image byte a field needs, plus one. */
static size_t field_end(stp_ob_shape shape, const stp_ob_field *f)
{
	size_t at[4];
	unsigned n = field_bytes(shape, f, at);
	return at[n - 1] + 1;
}

/* ---- lookups -------------------------------------------------------------- */

const stp_ob_field *stp_ob_fields(const stp_chip *chip, size_t *n)
{
	const ob_layout *l = layout_of(chip);

	if (n)
		*n = l ? l->nfields : 0;
	return l ? l->fields : NULL;
}

stp_ob_shape stp_ob_shape_of(const stp_chip *chip)
{
	const ob_layout *l = layout_of(chip);
	return l ? l->shape : STP_OB_PLAIN;
}

static const stp_ob_field *find_in(const ob_layout *l, const char *name,
                                   size_t len)
{
	for (size_t i = 0; i < l->nfields; i++) {
		const stp_ob_field *f = &l->fields[i];
		if ((strlen(f->name) == len && strncasecmp(f->name, name, len) == 0) ||
		    (f->alias && strlen(f->alias) == len &&
		     strncasecmp(f->alias, name, len) == 0))
			return f;
	}
	return NULL;
}

const stp_ob_field *stp_ob_find(const stp_chip *chip, const char *name)
{
	const ob_layout *l = layout_of(chip);
	return l && name ? find_in(l, name, strlen(name)) : NULL;
}

/* ---- errors ----------------------------------------------------------------- */

static const char raw_hint[] = "use -ob displ for the raw bytes";

static stp_status unknown_family(stp_ctx *ctx, const stp_chip *chip)
{
	if (!chip)
		return stp_fail(ctx, STP_ERR_ARG, NULL, "no chip given");
	return stp_fail(ctx, STP_ERR_UNSUPPORTED, raw_hint,
	                "named option-byte fields are not known for family %s "
	                "(%s); use -ob displ for the raw bytes",
	                chip->family ? chip->family : "?",
	                chip->name ? chip->name : "?");
}

/* "RDP, BOR_LEV, ..." for error messages, cut to fit buf. */
static const char *field_list(const ob_layout *l, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < l->nfields && used + 1 < len; i++) {
		int k = snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
		                 l->fields[i].name);
		if (k < 0 || (size_t)k >= len - used) {
			buf[used] = '\0';
			break;
		}
		used += (size_t)k;
	}
	return buf;
}

static stp_status unknown_field(stp_ctx *ctx, const stp_chip *chip,
                                const ob_layout *l, const char *what,
                                const char *name, size_t nlen)
{
	char list[1024];

	return stp_fail(ctx, STP_ERR_ARG, "field names are case-insensitive",
	                "%s: %s has no option-byte field %.*s; known fields: %s",
	                what, chip->name ? chip->name : chip->family, (int)nlen,
	                name, field_list(l, list, sizeof(list)));
}

static stp_status too_short(stp_ctx *ctx, const stp_ob_field *f, size_t need,
                            size_t len)
{
	return stp_fail(ctx, STP_ERR_ARG, NULL,
	                "%s needs option byte 0x%zX but the image has %zu bytes",
	                f->name, need - 1, len);
}

/* Everything stp_ob_set refuses, worded with `what` (the assignment as the
 * user wrote it, or "NAME=VALUE"). */
static stp_status check_value(stp_ctx *ctx, const ob_layout *l,
                              const stp_ob_field *f, uint32_t value,
                              unsigned flags, const char *what)
{
	if (value > field_max(f))
		return stp_fail(ctx, STP_ERR_ARG, NULL,
		                "%s: %s is %u bit%s wide, valid values are 0..%u "
		                "(0x0..0x%X)", what, f->name, f->width,
		                f->width == 1 ? "" : "s", field_max(f),
		                field_max(f));
	if (f->flags & STP_OB_FIELD_READONLY)
		return stp_fail(ctx, STP_ERR_ARG, NULL,
		                "%s: %s is read-only here (%s)", what, f->name,
		                f->desc);
	/* Level 2 goes through the one guard (core/guard.c), like every
	 * other irreversible step; the flag is the caller's confirmation. */
	if ((f->flags & STP_OB_FIELD_RDP) && l->has_level2 &&
	    value == RDP_LEVEL2 && !(flags & STP_OB_ALLOW_LEVEL2))
		return stp_guard(ctx, STP_IRREV_RDP2, what,
		                 "sets read protection level 2, which is "
		                 "permanent: it disables the debug port and the "
		                 "bootloader for good (RDP=0xBB gives level 1, "
		                 "which -rdu can undo)");
	return STP_OK;
}

/* ---- get / set ---------------------------------------------------------------- */

stp_status stp_ob_get(stp_ctx *ctx, const stp_chip *chip, const uint8_t *ob,
                      size_t len, const char *name, uint32_t *value)
{
	const ob_layout *l = layout_of(chip);
	const stp_ob_field *f;
	size_t end;

	if (!l)
		return unknown_family(ctx, chip);
	if (!ob || !name || !value)
		return stp_fail(ctx, STP_ERR_ARG, NULL, "stp_ob_get: NULL argument");
	f = find_in(l, name, strlen(name));
	if (!f)
		return unknown_field(ctx, chip, l, name, name, strlen(name));
	end = field_end(l->shape, f);
	if (end > len)
		return too_short(ctx, f, end, len);
	*value = read_field(l->shape, f, ob);
	return STP_OK;
}

stp_status stp_ob_set(stp_ctx *ctx, const stp_chip *chip, uint8_t *ob,
                      size_t len, const char *name, uint32_t value,
                      unsigned flags)
{
	const ob_layout *l = layout_of(chip);
	const stp_ob_field *f;
	char what[96];
	size_t end;
	stp_status st;

	if (!l)
		return unknown_family(ctx, chip);
	if (!ob || !name)
		return stp_fail(ctx, STP_ERR_ARG, NULL, "stp_ob_set: NULL argument");
	f = find_in(l, name, strlen(name));
	snprintf(what, sizeof(what), "%s=0x%X", name, value);
	if (!f)
		return unknown_field(ctx, chip, l, what, name, strlen(name));
	end = field_end(l->shape, f);
	if (end > len)
		return too_short(ctx, f, end, len);
	if ((st = check_value(ctx, l, f, value, flags, what)))
		return st;
	write_field(l, f, ob, len, value);
	return STP_OK;
}

/* ---- KEY=VALUE ---------------------------------------------------------------- */

/* Decimal or 0x hex, nothing else, no sign, fits 32 bits. */
static bool parse_value(const char *s, uint32_t *out)
{
	unsigned long long v = 0;
	int base = 10;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return false;
	for (; *s; s++) {
		int d;
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			return false;
		v = v * (unsigned)base + (unsigned)d;
		if (v > 0xFFFFFFFFull)
			return false;
	}
	*out = (uint32_t)v;
	return true;
}

typedef struct pending {
	const stp_ob_field *field;
	uint32_t value;
} pending;

stp_status stp_ob_apply(stp_ctx *ctx, const stp_chip *chip, uint8_t *ob,
                        size_t len, const char *const *assignments, size_t n,
                        unsigned flags)
{
	const ob_layout *l = layout_of(chip);
	pending *todo;
	stp_status st = STP_OK;

	if (!l)
		return unknown_family(ctx, chip);
	if (!ob || (n && !assignments))
		return stp_fail(ctx, STP_ERR_ARG, NULL, "stp_ob_apply: NULL argument");
	if (n == 0)
		return stp_fail(ctx, STP_ERR_ARG, "e.g. -ob RDP=0xAA BOR_LEV=3",
		                "no option-byte assignment given");
	/* A damaged image must not be written back, changed or not. */
	if ((st = stp_ob_check(ctx, chip, ob, len)))
		return st;
	todo = calloc(n, sizeof(*todo));
	if (!todo)
		return stp_fail(ctx, STP_ERR_NOMEM, NULL, "out of memory");

	for (size_t i = 0; i < n && !st; i++) {
		const char *a = assignments[i];
		const char *eq = a ? strchr(a, '=') : NULL;
		const stp_ob_field *f;
		size_t end;

		if (!a || !eq || eq == a) {
			st = stp_fail(ctx, STP_ERR_ARG,
			              "write each change as KEY=VALUE, e.g. RDP=0xAA",
			              "'%s' is not a KEY=VALUE assignment",
			              a ? a : "(null)");
			break;
		}
		f = find_in(l, a, (size_t)(eq - a));
		if (!f) {
			st = unknown_field(ctx, chip, l, a, a, (size_t)(eq - a));
			break;
		}
		if (!parse_value(eq + 1, &todo[i].value)) {
			st = stp_fail(ctx, STP_ERR_ARG, NULL,
			              "%s: '%s' is not a number; %s takes 0..%u "
			              "(decimal or 0x hex)", a, eq + 1, f->name,
			              field_max(f));
			break;
		}
		for (size_t j = 0; j < i; j++)
			if (todo[j].field == f) {
				st = stp_fail(ctx, STP_ERR_ARG, NULL,
				              "%s: %s is given twice", a, f->name);
				break;
			}
		if (st)
			break;
		end = field_end(l->shape, f);
		if (end > len) {
			st = too_short(ctx, f, end, len);
			break;
		}
		st = check_value(ctx, l, f, todo[i].value, flags, a);
		todo[i].field = f;
	}
	/* Only now, with every assignment known good, touch the image. */
	if (!st)
		for (size_t i = 0; i < n; i++)
			write_field(l, todo[i].field, ob, len, todo[i].value);
	free(todo);
	return st;
}

/* ---- consistency ---------------------------------------------------------------- */

/* Whether any known field uses image byte off. */
static bool byte_in_use(const ob_layout *l, size_t off)
{
	for (size_t i = 0; i < l->nfields; i++) {
		size_t at[4];
		unsigned n = field_bytes(l->shape, &l->fields[i], at);
		for (unsigned k = 0; k < n; k++)
			if (at[k] == off)
				return true;
	}
	return false;
}

stp_status stp_ob_check(stp_ctx *ctx, const stp_chip *chip, const uint8_t *ob,
                        size_t len)
{
	const ob_layout *l = layout_of(chip);
	size_t bad = 0, first = 0, firstk = 0;
	char more[48] = "";

	if (!l)
		return unknown_family(ctx, chip);
	if (!ob)
		return stp_fail(ctx, STP_ERR_ARG, NULL, "stp_ob_check: NULL argument");
	for (size_t i = 0; i < len; i++) {
		long k = complement_of(l->shape, i);
		if (k < 0 || (size_t)k >= len)
			continue;
		if ((uint8_t)(ob[k] ^ ob[i]) == 0xFF)
			continue;
		/* Erased pairs: the F0/F1/F3 loader skips 0xFF/0xFF; elsewhere
		 * an all-ones or all-zeros pair is tolerated only in a slot no
		 * known field uses, since reserved slots may never have been
		 * programmed. */
		if (ob[i] == ob[k] && (ob[i] == 0xFF || ob[i] == 0x00) &&
		    !byte_in_use(l, i))
			continue;
		if (ob[i] == 0xFF && ob[k] == 0xFF && l->shape == STP_OB_BYTE_PAIRS)
			continue;
		if (bad++ == 0) {
			first = i;
			firstk = (size_t)k;
		}
	}
	if (!bad)
		return STP_OK;
	if (bad > 1)
		snprintf(more, sizeof(more), "; %zu more byte%s wrong", bad - 1,
		         bad > 2 ? "s" : "");
	return stp_fail(ctx, STP_ERR_PROTOCOL,
	                "read the option bytes again; do not write this image back",
	                "option bytes damaged or mis-read: byte 0x%zX "
	                "(0x%08X) holds 0x%02X, which is not the complement of "
	                "byte 0x%zX (0x%08X) = 0x%02X (expected 0x%02X)%s",
	                firstk, (unsigned)(chip->ob_start + firstk), ob[firstk],
	                first, (unsigned)(chip->ob_start + first), ob[first],
	                (uint8_t)~ob[first], more);
}

/* ---- formatting ------------------------------------------------------------------ */

static const char *rdp_meaning(const ob_layout *l, uint32_t v)
{
	if (v == l->rdp_level0)
		return "level 0, no protection";
	if (l->has_level2 && v == RDP_LEVEL2)
		return "level 2, chip protection, permanent";
	if (l->has_level05 && v == 0x55)
		return "level 0.5, non-secure reads of secure flash refused";
	return "level 1, read protection";
}

size_t stp_ob_describe(const stp_chip *chip, const stp_ob_field *f,
                       uint32_t value, int name_width, char *buf, size_t len)
{
	const ob_layout *l = layout_of(chip);
	const char *meaning = NULL;
	int k;

	if (!f) {
		if (len)
			buf[0] = '\0';
		return 0;
	}
	if ((f->flags & STP_OB_FIELD_RDP) && l)
		meaning = rdp_meaning(l, value);
	for (const stp_ob_value *v = f->values; !meaning && v && v->meaning; v++)
		if (v->value == value)
			meaning = v->meaning;
	if (!meaning)
		meaning = f->other;
	if (meaning)
		k = snprintf(buf, len, "%-*s : 0x%X (%s)", name_width, f->name,
		             value, meaning);
	else
		k = snprintf(buf, len, "%-*s : 0x%X", name_width, f->name, value);
	return k < 0 ? 0 : (size_t)k;
}

stp_status stp_ob_format(stp_ctx *ctx, const stp_chip *chip, const uint8_t *ob,
                         size_t len, stp_ob_line_fn fn, void *user)
{
	const ob_layout *l = layout_of(chip);
	int width = 0;

	if (!l)
		return unknown_family(ctx, chip);
	if (!ob || !fn)
		return stp_fail(ctx, STP_ERR_ARG, NULL, "stp_ob_format: NULL argument");
	for (size_t i = 0; i < l->nfields; i++) {
		int w = (int)strlen(l->fields[i].name);
		if (w > width)
			width = w;
	}
	for (size_t i = 0; i < l->nfields; i++) {
		const stp_ob_field *f = &l->fields[i];
		char line[256];
		if (field_end(l->shape, f) > len)
			continue;
		stp_ob_describe(chip, f, read_field(l->shape, f, ob), width, line,
		                sizeof(line));
		fn(user, line);
	}
	return STP_OK;
}

/* ---- what cannot be undone ----------------------------------------------- */

/* Where the BOOT0 value comes from and what selects the option bit
 * instead of the pin: with the bit selected and nBOOT0 = 1 the chip boots
 * its flash whatever the pin says, so the ROM bootloader can no longer be
 * entered (only through SWD, or an application that jumps to it). */
static const struct {
	const char *source;      /* the field that picks pin or option bit */
	uint32_t software;       /* its value that picks the option bit */
} boot_sources[] = {
	{"nSWBOOT0", 0},  /* L4, L4+, G4, WB, WL */
	{"nBOOT_SEL", 1}, /* G0, C0, U0 */
	{"BOOT_SEL", 0},  /* F04x, F07x, F09x */
};

static bool field_value(const ob_layout *l, const stp_chip *chip,
                        const uint8_t *ob, size_t len, const char *name,
                        uint32_t *v)
{
	const stp_ob_field *f = stp_ob_find(chip, name);
	size_t at[4];
	unsigned n;

	if (!f)
		return false;
	n = field_bytes(l->shape, f, at);
	if (at[n - 1] >= len)
		return false;
	*v = read_field(l->shape, f, ob);
	return true;
}

/* Where BOOT0 = 1 starts the chip on the register-window families: the
 * field holds the address shifted right by the given bits; any address
 * but the system memory's means the pin no longer reaches the ROM. */
static const char *const boot_addresses[] = {"BOOT_ADD1", "NSBOOTADD1"};
static const unsigned boot_address_shift[] = {16, 7};

/* How the option bytes keep the ROM bootloader out of reach: 1, the
 * chip boots its flash whatever BOOT0 says (above); 2, nBOOT1 = 0, so
 * BOOT0 high boots SRAM instead of the bootloader (F0, F3, L0, L4, G0,
 * G4...: the system memory is selected only by BOOT0 = 1 with nBOOT1 = 1);
 * 3, the BOOT0 = 1 boot address (H7, L5, U5...) is not the bootloader's;
 * 0, none. */
static int bootloader_locked_out(const ob_layout *l, const stp_chip *chip,
                                 const uint8_t *ob, size_t len)
{
	uint32_t src, nboot0, nboot1;

	for (size_t i = 0; i < sizeof(boot_sources) / sizeof(boot_sources[0]); i++)
		if (field_value(l, chip, ob, len, boot_sources[i].source, &src) &&
		    src == boot_sources[i].software &&
		    field_value(l, chip, ob, len, "nBOOT0", &nboot0) && nboot0 == 1)
			return 1;
	if (field_value(l, chip, ob, len, "nBOOT1", &nboot1) && nboot1 == 0)
		return 2;
	for (size_t i = 0; i < sizeof(boot_addresses) / sizeof(boot_addresses[0]); i++) {
		const stp_ob_field *f = stp_ob_find(chip, boot_addresses[i]);
		uint32_t addr;
		if (f && chip->sysmem_start &&
		    field_value(l, chip, ob, len, f->name, &addr) &&
		    addr != chip->sysmem_start >> boot_address_shift[i])
			return 3;
	}
	return 0;
}

static bool level2(const ob_layout *l, const stp_chip *chip, const uint8_t *ob,
                   size_t len)
{
	uint32_t rdp;

	return l->has_level2 && field_value(l, chip, ob, len, "RDP", &rdp) &&
	       rdp == RDP_LEVEL2;
}

unsigned stp_ob_irreversible(const stp_chip *chip, const uint8_t *before,
                             const uint8_t *after, size_t len, char *why,
                             size_t whylen)
{
	const ob_layout *l = layout_of(chip);
	unsigned kinds = 0;
	int lock = 0;

	if (whylen)
		why[0] = '\0';
	if (!l) {
		snprintf(why, whylen,
		         "stmprog does not know the option-byte fields of %s, so "
		         "it cannot tell whether they set read protection level 2 "
		         "or lock the bootloader out",
		         chip && chip->name ? chip->name : "this chip");
		return STP_IRREV_RDP2 | STP_IRREV_BOOTLOADER;
	}
	/* A value the chip already holds changes nothing: only a change
	 * towards the irreversible state is guarded. */
	if (level2(l, chip, after, len) && !(before && level2(l, chip, before, len)))
		kinds |= STP_IRREV_RDP2;
	if ((lock = bootloader_locked_out(l, chip, after, len)) &&
	    !(before && bootloader_locked_out(l, chip, before, len)))
		kinds |= STP_IRREV_BOOTLOADER;
	if (kinds == (STP_IRREV_RDP2 | STP_IRREV_BOOTLOADER))
		snprintf(why, whylen, "sets read protection level 2 (RDP=0xCC: "
		         "debug port and bootloader off for good) and makes the "
		         "chip boot its flash whatever BOOT0 says");
	else if (kinds & STP_IRREV_RDP2)
		snprintf(why, whylen, "sets read protection level 2 (RDP=0xCC), "
		         "which is permanent: it disables the debug port and the "
		         "bootloader for good (RDP=0xBB gives level 1, which -rdu "
		         "can undo)");
	else if ((kinds & STP_IRREV_BOOTLOADER) && lock == 3)
		snprintf(why, whylen, "moves the BOOT0 = 1 boot address away from "
		         "the ROM bootloader at 0x%08X, so the BOOT0 pin can no "
		         "longer start it; only SWD or the application can bring "
		         "it back", (unsigned)chip->sysmem_start);
	else if ((kinds & STP_IRREV_BOOTLOADER) && lock == 2)
		snprintf(why, whylen, "sets nBOOT1=0, so the BOOT0 pin starts the "
		         "SRAM instead of the ROM bootloader, which can then no "
		         "longer be entered; only SWD or the application can bring "
		         "it back");
	else if (kinds & STP_IRREV_BOOTLOADER)
		snprintf(why, whylen, "makes the chip boot its flash whatever the "
		         "BOOT0 pin says (the boot source set to the nBOOT0 option "
		         "bit, nBOOT0=1), so the ROM bootloader can no longer be "
		         "entered; only SWD or the application can bring it back");
	return kinds;
}

/* ---- protection through the option bytes ------------------------------ */

stp_status stp_ob_rdp_value(stp_ctx *ctx, const stp_chip *chip, int level,
                            uint32_t *value)
{
	const ob_layout *l = layout_of(chip);

	if (!l)
		return unknown_family(ctx, chip);
	if (!stp_ob_find(chip, "RDP"))
		return stp_fail(ctx, STP_ERR_UNSUPPORTED,
		                "use STM32CubeProgrammer's product-state "
		                "provisioning for this family",
		                "%s has no RDP option byte (its PRODUCT_STATE "
		                "is a life cycle, not a readout-protection "
		                "level), so stmprog cannot set or remove readout "
		                "protection on it", chip->name);
	if (level == 0)
		*value = l->rdp_level0;
	else
		/* F1: anything but the key protects; 0x00 as its ROM writes. */
		*value = l->rdp_level0 == 0xA5 ? 0x00 : 0xBB;
	return STP_OK;
}

/* Where unit u sits in its bank: its bank and page number there. */
static void unit_place(const stp_geometry *geo, uint16_t index, int *bank,
                       long *page)
{
	*bank = -1;
	*page = -1;
	for (size_t i = 0, pos = 0, b = 0; i < geo->nunits; i++) {
		if (i == 0 || geo->units[i].bank != b) {
			b = geo->units[i].bank;
			pos = 0;
		}
		if (geo->units[i].index == index) {
			*bank = geo->units[i].bank;
			*page = (long)pos;
			return;
		}
		pos++;
	}
}

static size_t bank_units(const stp_geometry *geo, unsigned bank)
{
	size_t n = 0;

	for (size_t i = 0; i < geo->nunits; i++)
		n += geo->units[i].bank == bank;
	return n;
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;
	return (x > y) - (x < y);
}

/* Sector masks, one bit per unit (or per group of units), 0 = protected:
 * F2/F4/F7 nWRP, H7 WRPSN1.  Only bank 1's mask is in the image. */
static stp_status wrp_mask(stp_ctx *ctx, const stp_geometry *geo,
                           const ob_layout *l, const stp_ob_field *f,
                           uint8_t *ob, size_t len, const uint16_t *units,
                           size_t n)
{
	size_t in_bank = bank_units(geo, 0);
	size_t per_bit = (in_bank + f->width - 1) / f->width;
	uint32_t mask = field_max(f);

	if (!per_bit)
		per_bit = 1;
	for (size_t i = 0; i < n; i++) {
		int bank;
		long page;
		unit_place(geo, units[i], &bank, &page);
		if (bank != 0 || page < 0)
			return stp_fail(ctx, STP_ERR_UNSUPPORTED,
			                "use the UART bootloader's Write Protect "
			                "command for the second bank",
			                "sector %u is in bank 2, whose write "
			                "protection lies outside the option bytes "
			                "stmprog reads at 0x%08X", units[i],
			                (unsigned)geo->chip->ob_start);
		mask &= ~(1u << (page / (long)per_bit));
	}
	if (per_bit > 1)
		/* A bit protects a group: every unit of each group must be
		 * asked for, or more would be protected than said. */
		for (uint32_t b = 0; b < f->width; b++) {
			size_t asked = 0;
			if (mask & (1u << b))
				continue;
			for (size_t i = 0; i < n; i++) {
				int bank;
				long page;
				unit_place(geo, units[i], &bank, &page);
				asked += page / (long)per_bit == (long)b;
			}
			if (asked != per_bit)
				return stp_fail(ctx, STP_ERR_UNSUPPORTED,
				                "name whole groups of sectors",
				                "%s protects sectors in groups of %zu "
				                "(bit %u: sectors %zu-%zu); give all of "
				                "them or none", f->name, per_bit, b,
				                b * per_bit, b * per_bit + per_bit - 1);
		}
	write_field(l, f, ob, len, mask);
	return STP_OK;
}

/* The two names page-area fields go by: G0/G4/C0/U0/WB/WL spell them
 * WRP1A_STRT/WRP1A_END, L5/U5/U3/WBA WRP1A_PSTRT/WRP1A_PEND. */
static const stp_ob_field *area_field(const stp_chip *chip, unsigned bank,
                                      char area, bool end)
{
	char name[24];
	const stp_ob_field *f;

	snprintf(name, sizeof(name), "WRP%u%c_%s", bank + 1, area,
	         end ? "PEND" : "PSTRT");
	if ((f = stp_ob_find(chip, name)))
		return f;
	snprintf(name, sizeof(name), "WRP%u%c_%s", bank + 1, area,
	         end ? "END" : "STRT");
	return stp_ob_find(chip, name);
}

/* Page areas: per bank up to two ranges (A and B), an area is off when
 * its start is above its end. */
static stp_status wrp_areas(stp_ctx *ctx, const stp_geometry *geo,
                            const ob_layout *l, uint8_t *ob, size_t len,
                            const uint16_t *units, size_t n)
{
	typedef struct { const stp_ob_field *f; uint32_t v; } change;
	change ch[8];
	size_t nch = 0;
	long *pages = NULL;
	stp_status st = STP_OK;

	for (unsigned bank = 0; bank < 2 && !st; bank++) {
		size_t np = 0, nruns = 0;
		long runs[3][2];

		free(pages);
		pages = calloc(n ? n : 1, sizeof(*pages));
		if (!pages)
			return stp_fail(ctx, STP_ERR_NOMEM, NULL, "out of memory");
		for (size_t i = 0; i < n; i++) {
			int b;
			long page;
			unit_place(geo, units[i], &b, &page);
			if (b == (int)bank)
				pages[np++] = page;
		}
		qsort(pages, np, sizeof(*pages), cmp_long);
		for (size_t i = 0; i < np && nruns <= 2; i++) {
			if (nruns && pages[i] <= runs[nruns - 1][1] + 1) {
				if (pages[i] > runs[nruns - 1][1])
					runs[nruns - 1][1] = pages[i];
				continue;
			}
			runs[nruns][0] = runs[nruns][1] = pages[i];
			nruns++;
		}
		if (nruns > 2) {
			st = stp_fail(ctx, STP_ERR_UNSUPPORTED,
			              "protect at most two ranges of pages a bank",
			              "%s write-protects two areas of pages a bank; "
			              "the pages asked for in bank %u form more than "
			              "two ranges", geo->chip->name, bank + 1);
			break;
		}
		for (unsigned a = 0; a < 2; a++) {
			const stp_ob_field *fs = area_field(geo->chip, bank, 'A' + a, false);
			const stp_ob_field *fe = area_field(geo->chip, bank, 'A' + a, true);
			if (!fs || !fe || field_end(l->shape, fs) > len ||
			    field_end(l->shape, fe) > len) {
				if (a < nruns) {
					st = stp_fail(ctx, STP_ERR_UNSUPPORTED,
					              "use the UART bootloader's Write "
					              "Protect command",
					              "%s: the write-protection area %u%c "
					              "is not in the option bytes stmprog "
					              "reads at 0x%08X", geo->chip->name,
					              bank + 1, 'A' + a,
					              (unsigned)geo->chip->ob_start);
					break;
				}
				continue;
			}
			if (a < nruns && (uint64_t)runs[a][1] > field_max(fe)) {
				st = stp_fail(ctx, STP_ERR_UNSUPPORTED, NULL,
				              "%s: page %ld does not fit %s", geo->chip->name,
				              runs[a][1], fe->name);
				break;
			}
			ch[nch].f = fs;
			ch[nch++].v = a < nruns ? (uint32_t)runs[a][0] : field_max(fs);
			ch[nch].f = fe;
			ch[nch++].v = a < nruns ? (uint32_t)runs[a][1] : 0;
		}
	}
	free(pages);
	if (!st && nch == 0)
		st = stp_fail(ctx, STP_ERR_UNSUPPORTED, NULL,
		              "%s: no write-protection area in the option bytes "
		              "stmprog reads", geo->chip->name);
	if (st)
		return st;
	for (size_t i = 0; i < nch; i++)
		write_field(l, ch[i].f, ob, len, ch[i].v);
	return STP_OK;
}

stp_status stp_ob_write_protection(stp_ctx *ctx, const stp_geometry *geo,
                                   uint8_t *ob, size_t len,
                                   const uint16_t *units, size_t n)
{
	const stp_chip *chip = geo ? geo->chip : NULL;
	const ob_layout *l = layout_of(chip);
	const stp_ob_field *f;
	stp_status st;

	if (!l)
		return unknown_family(ctx, chip);
	if (!ob || (n && !units))
		return stp_fail(ctx, STP_ERR_ARG, NULL,
		                "stp_ob_write_protection: NULL argument");
	if ((st = stp_ob_check(ctx, chip, ob, len)))
		return st;
	if ((f = stp_ob_find(chip, "nWRP")) && field_end(l->shape, f) <= len)
		return wrp_mask(ctx, geo, l, f, ob, len, units, n);
	if (area_field(chip, 0, 'A', false))
		return wrp_areas(ctx, geo, l, ob, len, units, n);
	return stp_fail(ctx, STP_ERR_UNSUPPORTED,
	                "use the UART or CAN bootloader's Write Protect "
	                "command, or set the WRP fields with -ob",
	                "stmprog cannot translate sector numbers into %s's "
	                "write-protection option bytes (%s)", chip->name,
	                l->shape == STP_OB_BYTE_PAIRS || l->shape == STP_OB_HALF_WORDS
	                ? "one bit protects a group of pages"
	                : "they are not in the image the chip table maps");
}
