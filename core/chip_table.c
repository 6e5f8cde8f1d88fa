/* libstmprog: the STM32 chip database (data only).
 *
 * One row per product ID that ST AN2606 lists for the system-memory
 * bootloader, sorted by PID.  docs/chips.md says where each fact comes from
 * and which ones could not be confirmed; keep both in step when editing.
 *
 * Name convention (stp_chip_find relies on it): part numbers separated by
 * '/'; a token that does not start with "STM32" replaces the tail of the
 * first token, so "STM32F405xx/407xx" means STM32F405xx and STM32F407xx.
 * A lowercase 'x' is a wildcard digit or letter.
 */
#include "config.h"

#include <stddef.h>

#include "stmprog/chip.h"

/* Short names keep the rows on a line or two. */
#define U STP_IF_USART
#define D STP_IF_USB_DFU
#define C STP_IF_CAN
#define FD STP_IF_FDCAN
#define I STP_IF_I2C
#define S STP_IF_SPI

#define EC STP_QUIRK_EMPTY_CHECK
#define DL STP_QUIRK_DFU_LAYOUT_WRONG
#define NME STP_QUIRK_NO_MASS_ERASE
#define OBL STP_QUIRK_OB_RELOAD
#define CKS STP_QUIRK_UART_CHECKSUM

#define K(n) ((uint32_t)(n) * 1024u)

/* Family-wide addresses, so a typo cannot hide in one row of many.
 *
 * Unique-ID addresses (uid_addr), checked against the reference manuals'
 * "device electronic signature" chapters and ST's device headers
 * (UID_BASE): F0/F3 0x1FFFF7AC, F1 0x1FFFF7E8, F2/F4 0x1FFF7A10, F72x/73x
 * 0x1FF07A10, F74x-F77x 0x1FF0F420, L0 and L1 cat.1/2 0x1FF80050, L1
 * cat.3-6 0x1FF800D0, L4/L4+/G0/G4/WB/WL 0x1FFF7590, C0 0x1FFF7550, L5
 * 0x0BFA0590, U5 0x0BFA0700, H5 and H7A/B 0x08FFF800, H72x-H75x
 * 0x1FF1E800, WBA5x 0x0BF90700, U073/083 0x1FFF6E50.  On L0 and L1 the
 * third word sits at +0x14, not +8 (core/target.c reads it there).
 * Not confirmed from a manual here, taken by analogy with the family's
 * other registers (the flash-size register 0x50 or 0xA0 above the UID):
 * U3 (0x42A, 0x454) and WBA6x (0x4B0) at U5's 0x0BFA0700, U031 (0x459)
 * at 0x1FFF3E50, H7R/S (0x485) at H7A/B's 0x08FFF800. */
#define F0_FSIZE 0x1FFFF7CCu
#define F0_UID 0x1FFFF7ACu
#define F1_FSIZE 0x1FFFF7E0u
#define F1_UID 0x1FFFF7E8u
#define F01_OB 0x1FFFF800u
#define F4_FSIZE 0x1FFF7A22u
#define F4_UID 0x1FFF7A10u
#define F4_OB 0x1FFFC000u
#define F4_OTP 0x1FFF7800u
#define F4_SYS 0x1FFF0000u, 0x1FFF7800u
#define F7_FSIZE 0x1FF0F442u
#define F7_UID 0x1FF0F420u
#define L0_FSIZE 0x1FF8007Cu
#define L01_UID 0x1FF80050u
#define L1_FSIZE_LO 0x1FF8004Cu
#define L1_FSIZE_HI 0x1FF800CCu
#define L1_UID_HI 0x1FF800D0u
#define L01_OB 0x1FF80000u
#define L4_FSIZE 0x1FFF75E0u
#define L4_UID 0x1FFF7590u
#define L4_OB 0x1FFF7800u
#define L4_OTP 0x1FFF7000u, 1024u
#define L4_SYS 0x1FFF0000u, 0x1FFF7000u
#define C0_FSIZE 0x1FFF75A0u
#define C0_UID 0x1FFF7550u
#define U5_FSIZE 0x0BFA07A0u
#define U5_UID 0x0BFA0700u
#define U5_OTP 0x0BFA0000u, 512u
#define H7_FSIZE 0x1FF1E880u
#define H7_UID 0x1FF1E800u
#define H7B_FSIZE 0x08FFF80Cu
#define H7B_UID 0x08FFF800u
/* L5/U5/H5/H7/WBA keep their option bytes in flash-interface registers;
 * the bootloaders map reads of that register window. */
#define L5_OBREG 0x40022040u, 0x40u
#define H7_OBREG 0x5200201Cu, 0x2Cu
#define H5_OBREG 0x40022050u, 0x30u

/* The data EEPROM of L0/L1, at 0x08080000 on every part that has one;
 * the size is the largest the PID comes with (docs/chips.md, "Data
 * EEPROM", gives the sources and the smaller value-line parts). */
#define EE(size) 0x08080000u, (size)
#define NO_EE 0, 0

/* Columns:
 * pid, name, family,
 * flash_base, flash_size, flash_size_reg, layout, program_unit, erased,
 * ram_start, ram_end, sysmem_start, sysmem_end, ob_start, ob_size,
 * otp_start, otp_size, uid_addr, bl_version, interfaces, quirks,
 * page_erase_ms, mass_erase_ms, program_us, small_erase_ms, ob_program_ms,
 * eeprom_start, eeprom_size
 *
 * The five times are datasheet typicals (docs/chips.md, "Flash timing",
 * gives each family's source and says which are unconfirmed); the
 * simulator sleeps by them and bench/bound.py computes its bound from
 * them.  F2/F4/F7 figures are at x32 parallelism (3.3 V), the width the
 * ROM programs and erases with; L0/L1 program one word at a time. */
static const stp_chip chips[] = {
	{0x410, "STM32F101x8/F101xB/F102x8/F102xB/F103x8/F103xB (medium-density)", "F1",
	 0x08000000u, K(128), F1_FSIZE, "128*1K", 2, 0xFF,
	 0x20000200u, 0x20005000u, 0x1FFFF000u, 0x1FFFF800u, F01_OB, 16, 0, 0,
	 F1_UID, 0x22, U, 0, 20, 20, 53, 0, 21, NO_EE},
	{0x411, "STM32F205xx/207xx/215xx/217xx", "F2",
	 0x08000000u, K(1024), F4_FSIZE, "4*16K,1*64K,7*128K", 4, 0xFF,
	 0x20002000u, 0x20020000u, F4_SYS, F4_OB, 16, F4_OTP, 528,
	 F4_UID, 0x33, U | D | C, 0, 1000, 8000, 16, 250, 250, NO_EE},
	{0x412, "STM32F101x4/F101x6/F102x4/F102x6/F103x4/F103x6 (low-density)", "F1",
	 0x08000000u, K(32), F1_FSIZE, "32*1K", 2, 0xFF,
	 0x20000200u, 0x20002800u, 0x1FFFF000u, 0x1FFFF800u, F01_OB, 16, 0, 0,
	 F1_UID, 0x22, U, 0, 20, 20, 53, 0, 21, NO_EE},
	{0x413, "STM32F405xx/407xx/415xx/417xx", "F4",
	 0x08000000u, K(1024), F4_FSIZE, "4*16K,1*64K,7*128K", 4, 0xFF,
	 0x20003000u, 0x20020000u, F4_SYS, F4_OB, 16, F4_OTP, 528,
	 F4_UID, 0x31, U | D | C, 0, 1000, 8000, 16, 250, 250, NO_EE},
	{0x414, "STM32F101xC/F101xD/F101xE/F103xC/F103xD/F103xE (high-density)", "F1",
	 0x08000000u, K(512), F1_FSIZE, "256*2K", 2, 0xFF,
	 0x20000200u, 0x20010000u, 0x1FFFF000u, 0x1FFFF800u, F01_OB, 16, 0, 0,
	 F1_UID, 0x22, U, 0, 20, 20, 53, 0, 21, NO_EE},
	{0x415, "STM32L471xx/475xx/476xx/485xx/486xx", "L4",
	 0x08000000u, K(1024), L4_FSIZE, "256*2K|256*2K", 8, 0xFF,
	 0x20003100u, 0x20018000u, L4_SYS, L4_OB, 40, L4_OTP,
	 L4_UID, 0xA3, U | D | C | I | S, OBL, 22, 22, 82, 0, 23, NO_EE},
	{0x416, "STM32L100x6/L100x8/L100xB/L151x6/L151x8/L151xB/L152x6/L152x8/L152xB (cat.1)", "L1",
	 0x08000000u, K(128), L1_FSIZE_LO, "512*256", 4, 0x00,
	 0x20000800u, 0x20004000u, 0x1FF00000u, 0x1FF01000u, L01_OB, 32, 0, 0,
	 L01_UID, 0x20, U, NME | OBL, 3, 0, 3300, 0, 26,
	 EE(K(4))},
	{0x417, "STM32L051xx/052xx/053xx/062xx/063xx", "L0",
	 0x08000000u, K(64), L0_FSIZE, "512*128", 4, 0x00,
	 0x20001000u, 0x20002000u, 0x1FF00000u, 0x1FF01000u, L01_OB, 32, 0, 0,
	 L01_UID, 0xC0, U | S, NME | OBL, 3, 0, 3200, 0, 26,
	 EE(K(2))},
	{0x418, "STM32F105xx/107xx (connectivity line)", "F1",
	 0x08000000u, K(256), F1_FSIZE, "128*2K", 2, 0xFF,
	 0x20001000u, 0x20010000u, 0x1FFFB000u, 0x1FFFF800u, F01_OB, 16, 0, 0,
	 F1_UID, 0x20, U | D | C, 0, 20, 20, 53, 0, 21, NO_EE},
	{0x419, "STM32F427xx/429xx/437xx/439xx", "F4",
	 0x08000000u, K(2048), F4_FSIZE, "4*16K,1*64K,7*128K|4*16K,1*64K,7*128K", 4, 0xFF,
	 0x20003000u, 0x20030000u, F4_SYS, F4_OB, 16, F4_OTP, 528,
	 F4_UID, 0x90, U | D | C | I | S, 0, 1000, 16000, 16, 250, 250, NO_EE},
	{0x420, "STM32F100x4/F100x6/F100x8/F100xB (value line)", "F1",
	 0x08000000u, K(128), F1_FSIZE, "128*1K", 2, 0xFF,
	 0x20000200u, 0x20002000u, 0x1FFFF000u, 0x1FFFF800u, F01_OB, 16, 0, 0,
	 F1_UID, 0x10, U, 0, 20, 20, 53, 0, 21, NO_EE},
	{0x421, "STM32F446xx", "F4",
	 0x08000000u, K(512), F4_FSIZE, "4*16K,1*64K,3*128K", 4, 0xFF,
	 0x20003000u, 0x20020000u, F4_SYS, F4_OB, 16, F4_OTP, 528,
	 F4_UID, 0x90, U | D | C | I | S, 0, 1000, 4000, 16, 250, 250, NO_EE},
	{0x422, "STM32F302xB/302xC/303xB/303xC/358xx", "F3",
	 0x08000000u, K(256), F0_FSIZE, "128*2K", 2, 0xFF,
	 0x20001400u, 0x2000A000u, 0x1FFFD800u, 0x1FFFF800u, F01_OB, 16, 0, 0,
	 F0_UID, 0x41, U | D, OBL, 20, 20, 53, 0, 21, NO_EE},
	{0x423, "STM32F401xB/401xC", "F4",
	 0x08000000u, K(256), F4_FSIZE, "4*16K,1*64K,1*128K", 4, 0xFF,
	 0x20003000u, 0x20010000u, F4_SYS, F4_OB, 16, F4_OTP, 528,
	 F4_UID, 0xD1, U | D | I | S, 0, 1000, 2000, 16, 250, 250, NO_EE},
	{0x425, "STM32L031xx/041xx", "L0",
	 0x08000000u, K(32), L0_FSIZE, "256*128", 4, 0x00,
	 0x20001000u, 0x20002000u, 0x1FF00000u, 0x1FF01000u, L01_OB, 32, 0, 0,
	 L01_UID, 0xC0, U | S, NME | OBL, 3, 0, 3200, 0, 26,
	 EE(K(1))},
	{0x427, "STM32L100xC/L151xC/L152xC/L162xC (cat.3)", "L1",
	 0x08000000u, K(256), L1_FSIZE_HI, "1024*256", 4, 0x00,
	 0x20001000u, 0x20008000u, 0x1FF00000u, 0x1FF02000u, L01_OB, 32, 0, 0,
	 L1_UID_HI, 0x40, U | D, NME | OBL, 3, 0, 3300, 0, 26,
	 EE(K(8))},
	{0x428, "STM32F100xC/F100xD/F100xE (high-density value line)", "F1",
	 0x08000000u, K(512), F1_FSIZE, "256*2K", 2, 0xFF,
	 0x20000200u, 0x20008000u, 0x1FFFF000u, 0x1FFFF800u, F01_OB, 16, 0, 0,
	 F1_UID, 0x10, U, 0, 20, 20, 53, 0, 21, NO_EE},
	{0x429, "STM32L100x6-A/L151x6-A/L152x8-A/L152xB-A (cat.2)", "L1",
	 0x08000000u, K(128), L1_FSIZE_LO, "512*256", 4, 0x00,
	 0x20001000u, 0x20008000u, 0x1FF00000u, 0x1FF01000u, L01_OB, 32, 0, 0,
	 L01_UID, 0x20, U, NME | OBL, 3, 0, 3300, 0, 26,
	 EE(K(4))},
	{0x42A, "STM32U3B5xx/3C5xx", "U3",
	 0x08000000u, K(2048), U5_FSIZE, "256*4K|256*4K", 16, 0xFF,
	 0x20004000u, 0x20080000u, 0x0BF90000u, 0x0BFA0000u, L5_OBREG, U5_OTP,
	 U5_UID, 0, U | D | FD | I | S, OBL | CKS, 2, 30, 100, 0, 10, NO_EE},
	{0x430, "STM32F101xF/F101xG/F103xF/F103xG (XL-density)", "F1",
	 0x08000000u, K(1024), F1_FSIZE, "256*2K|256*2K", 2, 0xFF,
	 0x20000800u, 0x20018000u, 0x1FFFE000u, 0x1FFFF800u, F01_OB, 16, 0, 0,
	 F1_UID, 0x21, U, 0, 20, 40, 53, 0, 21, NO_EE},
	{0x431, "STM32F411xx", "F4",
	 0x08000000u, K(512), F4_FSIZE, "4*16K,1*64K,3*128K", 4, 0xFF,
	 0x20003000u, 0x20020000u, F4_SYS, F4_OB, 16, F4_OTP, 528,
	 F4_UID, 0xD0, U | D | I | S, 0, 1000, 4000, 16, 250, 250, NO_EE},
	{0x432, "STM32F373xx/378xx", "F3",
	 0x08000000u, K(256), F0_FSIZE, "128*2K", 2, 0xFF,
	 0x20001400u, 0x20008000u, 0x1FFFD800u, 0x1FFFF800u, F01_OB, 16, 0, 0,
	 F0_UID, 0x41, U | D, OBL, 20, 20, 53, 0, 21, NO_EE},
	{0x433, "STM32F401xD/401xE", "F4",
	 0x08000000u, K(512), F4_FSIZE, "4*16K,1*64K,3*128K", 4, 0xFF,
	 0x20003000u, 0x20018000u, F4_SYS, F4_OB, 16, F4_OTP, 528,
	 F4_UID, 0xD1, U | D | I | S, 0, 1000, 4000, 16, 250, 250, NO_EE},
	{0x434, "STM32F469xx/479xx", "F4",
	 0x08000000u, K(2048), F4_FSIZE, "4*16K,1*64K,7*128K|4*16K,1*64K,7*128K", 4, 0xFF,
	 0x20003000u, 0x20060000u, F4_SYS, F4_OB, 16, F4_OTP, 528,
	 F4_UID, 0x90, U | D | C | I | S, 0, 1000, 16000, 16, 250, 250, NO_EE},
	{0x435, "STM32L431xx/432xx/433xx/442xx/443xx", "L4",
	 0x08000000u, K(256), L4_FSIZE, "128*2K", 8, 0xFF,
	 0x20003100u, 0x2000C000u, L4_SYS, L4_OB, 40, L4_OTP,
	 L4_UID, 0x91, U | D | C | I | S, EC | OBL, 22, 22, 82, 0, 23, NO_EE},
	{0x436, "STM32L151xD/152xD/162xD (cat.4)", "L1",
	 0x08000000u, K(384), L1_FSIZE_HI, "768*256|768*256", 4, 0x00,
	 0x20001000u, 0x2000C000u, 0x1FF00000u, 0x1FF02000u, L01_OB, 0xA0, 0, 0,
	 L1_UID_HI, 0x45, U | D, NME | OBL, 3, 0, 3300, 0, 26,
	 EE(K(12))},
	{0x437, "STM32L151xE/152xE/162xE (cat.5/6)", "L1",
	 0x08000000u, K(512), L1_FSIZE_HI, "1024*256|1024*256", 4, 0x00,
	 0x20001000u, 0x20014000u, 0x1FF00000u, 0x1FF02000u, L01_OB, 0xA0, 0, 0,
	 L1_UID_HI, 0x40, U | D, NME | OBL, 3, 0, 3300, 0, 26,
	 EE(K(16))},
	{0x438, "STM32F303x6/303x8/334xx/328xx", "F3",
	 0x08000000u, K(64), F0_FSIZE, "32*2K", 2, 0xFF,
	 0x20001800u, 0x20003000u, 0x1FFFD800u, 0x1FFFF800u, F01_OB, 16, 0, 0,
	 F0_UID, 0x50, U | I, OBL, 20, 20, 53, 0, 21, NO_EE},
	{0x439, "STM32F301xx/302x6/302x8/318xx", "F3",
	 0x08000000u, K(64), F0_FSIZE, "32*2K", 2, 0xFF,
	 0x20001800u, 0x20004000u, 0x1FFFD800u, 0x1FFFF800u, F01_OB, 16, 0, 0,
	 F0_UID, 0x40, U | D, OBL, 20, 20, 53, 0, 21, NO_EE},
	{0x440, "STM32F030x8/F051xx/F058xx", "F0",
	 0x08000000u, K(64), F0_FSIZE, "64*1K", 2, 0xFF,
	 0x20000800u, 0x20002000u, 0x1FFFEC00u, 0x1FFFF800u, F01_OB, 16, 0, 0,
	 F0_UID, 0x21, U, OBL, 20, 20, 53, 0, 21, NO_EE},
	{0x441, "STM32F412xx", "F4",
	 0x08000000u, K(1024), F4_FSIZE, "4*16K,1*64K,7*128K", 4, 0xFF,
	 0x20003000u, 0x20040000u, F4_SYS, F4_OB, 16, F4_OTP, 528,
	 F4_UID, 0x90, U | D | C | I | S, 0, 1000, 8000, 16, 250, 250, NO_EE},
	{0x442, "STM32F030xC/F091xx/F098xx", "F0",
	 0x08000000u, K(256), F0_FSIZE, "128*2K", 2, 0xFF,
	 0x20001800u, 0x20008000u, 0x1FFFD800u, 0x1FFFF800u, F01_OB, 16, 0, 0,
	 F0_UID, 0x52, U, EC | OBL, 20, 20, 53, 0, 21, NO_EE},
	{0x443, "STM32C011xx", "C0",
	 0x08000000u, K(32), C0_FSIZE, "16*2K", 8, 0xFF,
	 0x20001000u, 0x20001800u, 0x1FFF0000u, 0x1FFF1800u, L4_OB, 0x80, L4_OTP,
	 C0_UID, 0, U | I, EC | OBL | CKS, 22, 22, 85, 0, 23, NO_EE},
	{0x444, "STM32F030x4/F030x6/F031xx/F038xx", "F0",
	 0x08000000u, K(32), F0_FSIZE, "32*1K", 2, 0xFF,
	 0x20000800u, 0x20001000u, 0x1FFFEC00u, 0x1FFFF800u, F01_OB, 16, 0, 0,
	 F0_UID, 0x10, U, OBL, 20, 20, 53, 0, 21, NO_EE},
	{0x445, "STM32F042xx/F048xx/F070x6", "F0",
	 0x08000000u, K(32), F0_FSIZE, "32*1K", 2, 0xFF,
	 /* 6 KB of SRAM, all of it taken by the bootloader (AN2606). */
	 0x20001800u, 0x20001800u, 0x1FFFC400u, 0x1FFFF800u, F01_OB, 16, 0, 0,
	 F0_UID, 0xA0, U | D | C | I, EC | OBL, 20, 20, 53, 0, 21, NO_EE},
	{0x446, "STM32F302xD/302xE/303xD/303xE/398xx", "F3",
	 0x08000000u, K(512), F0_FSIZE, "256*2K", 2, 0xFF,
	 0x20001800u, 0x20010000u, 0x1FFFD800u, 0x1FFFF800u, F01_OB, 16, 0, 0,
	 F0_UID, 0x40, U | D, OBL, 20, 20, 53, 0, 21, NO_EE},
	{0x447, "STM32L071xx/072xx/073xx/081xx/082xx/083xx", "L0",
	 0x08000000u, K(192), L0_FSIZE, "768*128|768*128", 4, 0x00,
	 0x20002000u, 0x20005000u, 0x1FF00000u, 0x1FF02000u, L01_OB, 32, 0, 0,
	 L01_UID, 0xC1, U | D | I | S, DL | NME | OBL, 3, 0, 3200, 0, 26,
	 EE(K(6))},
	{0x448, "STM32F070xB/F071xx/F072xx/F078xx", "F0",
	 0x08000000u, K(128), F0_FSIZE, "64*2K", 2, 0xFF,
	 0x20001800u, 0x20004000u, 0x1FFFC800u, 0x1FFFF800u, F01_OB, 16, 0, 0,
	 F0_UID, 0xA1, U | D | I, OBL, 20, 20, 53, 0, 21, NO_EE},
	{0x449, "STM32F745xx/746xx/756xx", "F7",
	 0x08000000u, K(1024), F7_FSIZE, "4*32K,1*128K,3*256K", 4, 0xFF,
	 0x20004000u, 0x20050000u, 0x1FF00000u, 0x1FF0EDC0u, 0x1FFF0000u, 32,
	 0x1FF0F000u, 1056, F7_UID, 0x70, U | D | C | I, 0, 2000, 16000, 16, 250, 250, NO_EE},
	{0x44C, "STM32C051xx", "C0",
	 0x08000000u, K(64), C0_FSIZE, "32*2K", 8, 0xFF,
	 0x20001000u, 0x20003000u, 0x1FFF0000u, 0x1FFF2000u, L4_OB, 0x80, L4_OTP,
	 C0_UID, 0, U | I, EC | OBL | CKS, 22, 22, 85, 0, 23, NO_EE},
	{0x44D, "STM32C091xx/092xx", "C0",
	 0x08000000u, K(256), C0_FSIZE, "128*2K", 8, 0xFF,
	 0x20001000u, 0x20009000u, 0x1FFF0000u, 0x1FFF2000u, L4_OB, 0x80, L4_OTP,
	 C0_UID, 0, U | I | FD, EC | OBL | CKS, 22, 22, 85, 0, 23, NO_EE},
	{0x450, "STM32H742xx/743xx/745xx/747xx/750xx/753xx/755xx/757xx", "H7",
	 0x08000000u, K(2048), H7_FSIZE, "8*128K|0x08100000:8*128K", 32, 0xFF,
	 0x20004100u, 0x20020000u, 0x1FF00000u, 0x1FF1E800u, H7_OBREG, 0, 0,
	 H7_UID, 0x90, U | D | FD | I | S, 0, 1000, 16000, 100, 0, 100, NO_EE},
	{0x451, "STM32F765xx/767xx/769xx/777xx/779xx", "F7",
	 0x08000000u, K(2048), F7_FSIZE, "4*32K,1*128K,7*256K", 4, 0xFF,
	 0x20004000u, 0x20080000u, 0x1FF00000u, 0x1FF0EDC0u, 0x1FFF0000u, 32,
	 0x1FF0F000u, 1056, F7_UID, 0x93, U | D | C | I | S, 0, 2000, 16000, 16, 250, 250, NO_EE},
	{0x452, "STM32F722xx/723xx/730xx/732xx/733xx", "F7",
	 0x08000000u, K(512), 0x1FF07A22u, "4*16K,1*64K,3*128K", 4, 0xFF,
	 0x20004000u, 0x20040000u, 0x1FF00000u, 0x1FF0EDC0u, 0x1FFF0000u, 32,
	 0x1FF07800u, 528, 0x1FF07A10u, 0x90, U | D | C | I | S, 0, 1000, 4000, 16, 250, 250, NO_EE},
	{0x453, "STM32C031xx", "C0",
	 0x08000000u, K(32), C0_FSIZE, "16*2K", 8, 0xFF,
	 0x20001000u, 0x20003000u, 0x1FFF0000u, 0x1FFF1800u, L4_OB, 0x80, L4_OTP,
	 C0_UID, 0, U | I, EC | OBL | CKS, 22, 22, 85, 0, 23, NO_EE},
	{0x454, "STM32U375xx/385xx", "U3",
	 0x08000000u, K(1024), U5_FSIZE, "128*4K|128*4K", 16, 0xFF,
	 0x20004000u, 0x20040000u, 0x0BF90000u, 0x0BFA0000u, L5_OBREG, U5_OTP,
	 U5_UID, 0, U | D | FD | I | S, OBL | CKS, 2, 30, 100, 0, 10, NO_EE},
	{0x455, "STM32U535xx/545xx", "U5",
	 0x08000000u, K(512), U5_FSIZE, "32*8K|32*8K", 16, 0xFF,
	 0x20004000u, 0x20040000u, 0x0BF90000u, 0x0BFA0000u, L5_OBREG, U5_OTP,
	 U5_UID, 0, U | D | FD | I | S, OBL | CKS, 2, 30, 100, 0, 10, NO_EE},
	{0x456, "STM32G050xx/051xx/061xx", "G0",
	 0x08000000u, K(64), L4_FSIZE, "32*2K", 8, 0xFF,
	 0x20001000u, 0x20004800u, 0x1FFF0000u, 0x1FFF2000u, L4_OB, 0x80, L4_OTP,
	 L4_UID, 0x51, U | I | S, EC | OBL, 22, 22, 85, 0, 23, NO_EE},
	{0x457, "STM32L010x3/010x4/011xx/021xx", "L0",
	 0x08000000u, K(16), L0_FSIZE, "128*128", 4, 0x00,
	 /* 2 KB of SRAM, all of it taken by the bootloader (AN2606). */
	 0x20000800u, 0x20000800u, 0x1FF00000u, 0x1FF01000u, L01_OB, 32, 0, 0,
	 L01_UID, 0xC3, U | S, EC | NME | OBL, 3, 0, 3200, 0, 26,
	 EE(512)},
	{0x458, "STM32F410xx", "F4",
	 0x08000000u, K(128), F4_FSIZE, "4*16K,1*64K", 4, 0xFF,
	 0x20003000u, 0x20008000u, F4_SYS, F4_OB, 16, F4_OTP, 528,
	 F4_UID, 0xB1, U | I | S, 0, 550, 2000, 16, 250, 250, NO_EE},
	{0x459, "STM32U031xx", "U0",
	 0x08000000u, K(64), 0x1FFF3EA0u, "32*2K", 8, 0xFF,
	 0x20001000u, 0x20003000u, 0x1FFF0000u, 0x1FFF3000u, L4_OB, 0x80,
	 0x1FFF6800u, 1024, 0x1FFF3E50u, 0, U | I | S, EC | OBL | CKS, 22, 22, 85, 0, 23, NO_EE},
	{0x460, "STM32G070xx/071xx/081xx", "G0",
	 0x08000000u, K(128), L4_FSIZE, "64*2K", 8, 0xFF,
	 0x20002700u, 0x20009000u, L4_SYS, L4_OB, 0x80, L4_OTP,
	 L4_UID, 0xB2, U | I | S, EC | OBL, 22, 22, 85, 0, 23, NO_EE},
	{0x461, "STM32L496xx/4A6xx", "L4",
	 0x08000000u, K(1024), L4_FSIZE, "256*2K|256*2K", 8, 0xFF,
	 0x20003100u, 0x20040000u, L4_SYS, L4_OB, 40, L4_OTP,
	 L4_UID, 0x93, U | D | C | I | S, EC | OBL, 22, 22, 82, 0, 23, NO_EE},
	{0x462, "STM32L451xx/452xx/462xx", "L4",
	 0x08000000u, K(512), L4_FSIZE, "256*2K", 8, 0xFF,
	 0x20003100u, 0x20020000u, L4_SYS, L4_OB, 40, L4_OTP,
	 L4_UID, 0x92, U | D | C | I | S, EC | OBL, 22, 22, 82, 0, 23, NO_EE},
	{0x463, "STM32F413xx/423xx", "F4",
	 0x08000000u, K(1536), F4_FSIZE, "4*16K,1*64K,11*128K", 4, 0xFF,
	 0x20003000u, 0x20050000u, F4_SYS, F4_OB, 16, F4_OTP, 528,
	 F4_UID, 0x90, U | D | C | I | S, 0, 1000, 12000, 16, 250, 250, NO_EE},
	{0x464, "STM32L412xx/422xx", "L4",
	 0x08000000u, K(128), L4_FSIZE, "64*2K", 8, 0xFF,
	 0x20003100u, 0x20008000u, L4_SYS, L4_OB, 40, L4_OTP,
	 L4_UID, 0xD1, U | D | I | S, EC | OBL, 22, 22, 82, 0, 23, NO_EE},
	{0x466, "STM32G030xx/031xx/041xx", "G0",
	 0x08000000u, K(64), L4_FSIZE, "32*2K", 8, 0xFF,
	 0x20001000u, 0x20002000u, 0x1FFF0000u, 0x1FFF2000u, L4_OB, 0x80, L4_OTP,
	 L4_UID, 0x53, U | I | S, EC | OBL, 22, 22, 85, 0, 23, NO_EE},
	{0x467, "STM32G0B0xx/0B1xx/0C1xx", "G0",
	 0x08000000u, K(512), L4_FSIZE, "128*2K|128*2K", 8, 0xFF,
	 0x20004000u, 0x20020000u, L4_SYS, L4_OB, 0x80, L4_OTP,
	 L4_UID, 0x92, U | D | FD | I | S, EC | OBL, 22, 44, 85, 0, 23, NO_EE},
	{0x468, "STM32G431xx/441xx", "G4",
	 0x08000000u, K(128), L4_FSIZE, "64*2K", 8, 0xFF,
	 0x20004000u, 0x20005800u, L4_SYS, L4_OB, 0x30, L4_OTP,
	 L4_UID, 0xD4, U | D | FD | I | S, OBL, 22, 22, 82, 0, 23, NO_EE},
	{0x469, "STM32G471xx/473xx/474xx/483xx/484xx", "G4",
	 0x08000000u, K(512), L4_FSIZE, "128*2K|0x08040000:128*2K", 8, 0xFF,
	 0x20004000u, 0x20018000u, L4_SYS, L4_OB, 0x30, L4_OTP,
	 L4_UID, 0xD4, U | D | FD | I | S, OBL, 22, 44, 82, 0, 23, NO_EE},
	{0x470, "STM32L4R5xx/4R7xx/4R9xx/4S5xx/4S7xx/4S9xx", "L4+",
	 0x08000000u, K(2048), L4_FSIZE, "256*4K|256*4K", 8, 0xFF,
	 0x20003200u, 0x200A0000u, L4_SYS, 0x1FF00000u, 16, L4_OTP,
	 L4_UID, 0x95, U | D | C | I | S, EC | OBL, 22, 44, 82, 0, 23, NO_EE},
	{0x471, "STM32L4P5xx/4Q5xx", "L4+",
	 0x08000000u, K(1024), L4_FSIZE, "128*4K|128*4K", 8, 0xFF,
	 0x20004000u, 0x20050000u, L4_SYS, 0x1FF00000u, 16, L4_OTP,
	 L4_UID, 0x90, U | D | C | I | S, OBL, 22, 44, 82, 0, 23, NO_EE},
	{0x472, "STM32L552xx/562xx", "L5",
	 0x08000000u, K(512), 0x0BFA05E0u, "128*2K|128*2K", 16, 0xFF,
	 0x20004000u, 0x20040000u, 0x0BF90000u, 0x0BF98000u, L5_OBREG, U5_OTP,
	 0x0BFA0590u, 0x90, U | D | FD | I | S, OBL, 22, 44, 140, 0, 23, NO_EE},
	{0x474, "STM32H503xx", "H5",
	 0x08000000u, K(128), H7B_FSIZE, "8*8K|8*8K", 16, 0xFF,
	 0x20004000u, 0x20008000u, 0x0BF80000u, 0x0BF88000u, H5_OBREG,
	 0x08FFF000u, 2048, H7B_UID, 0, U | D | FD | I | S, CKS, 2, 30, 70, 0, 10, NO_EE},
	{0x476, "STM32U5F7xx/5F9xx/5G7xx/5G9xx", "U5",
	 0x08000000u, K(4096), U5_FSIZE, "256*8K|256*8K", 16, 0xFF,
	 0x20004000u, 0x200C0000u, 0x0BF90000u, 0x0BFA0000u, L5_OBREG, U5_OTP,
	 U5_UID, 0, U | D | FD | I | S, OBL | CKS, 2, 30, 100, 0, 10, NO_EE},
	{0x478, "STM32H523xx/533xx", "H5",
	 0x08000000u, K(512), H7B_FSIZE, "32*8K|32*8K", 16, 0xFF,
	 0x20004000u, 0x20044000u, 0x0BF80000u, 0x0BF88000u, H5_OBREG,
	 0x08FFF000u, 2048, H7B_UID, 0, U | D | FD | I | S, CKS, 2, 30, 70, 0, 10, NO_EE},
	{0x479, "STM32G491xx/4A1xx", "G4",
	 0x08000000u, K(512), L4_FSIZE, "256*2K", 8, 0xFF,
	 0x20004000u, 0x2001C000u, L4_SYS, L4_OB, 0x30, L4_OTP,
	 L4_UID, 0xD2, U | D | FD | I | S, OBL, 22, 22, 82, 0, 23, NO_EE},
	{0x480, "STM32H7A3xx/7B0xx/7B3xx", "H7",
	 0x08000000u, K(2048), H7B_FSIZE, "128*8K|0x08100000:128*8K", 16, 0xFF,
	 0x20004100u, 0x20020000u, 0x1FF00000u, 0x1FF14000u, H7_OBREG, 0, 0,
	 H7B_UID, 0x92, U | D | FD | I | S, 0, 2, 8000, 16, 0, 100, NO_EE},
	{0x481, "STM32U595xx/599xx/5A5xx/5A9xx", "U5",
	 0x08000000u, K(4096), U5_FSIZE, "256*8K|256*8K", 16, 0xFF,
	 0x20004000u, 0x200C0000u, 0x0BF90000u, 0x0BFA0000u, L5_OBREG, U5_OTP,
	 U5_UID, 0, U | D | FD | I | S, OBL | CKS, 2, 30, 100, 0, 10, NO_EE},
	{0x482, "STM32U575xx/585xx", "U5",
	 0x08000000u, K(2048), U5_FSIZE, "128*8K|128*8K", 16, 0xFF,
	 0x20004000u, 0x200C0000u, 0x0BF90000u, 0x0BFA0000u, L5_OBREG, U5_OTP,
	 U5_UID, 0x91, U | D | FD | I | S, OBL | CKS, 2, 30, 100, 0, 10, NO_EE},
	{0x483, "STM32H723xx/725xx/730xx/733xx/735xx", "H7",
	 /* stm32flash has 0x80000000 here: a typo, the flash is at 0x08000000. */
	 0x08000000u, K(1024), H7_FSIZE, "8*128K", 32, 0xFF,
	 0x20004100u, 0x20020000u, 0x1FF00000u, 0x1FF1E800u, H7_OBREG,
	 0x08FFF000u, 1024, H7_UID, 0x91, U | D | FD | I | S, 0, 1000, 8000, 100, 0, 100, NO_EE},
	{0x484, "STM32H562xx/563xx/573xx", "H5",
	 0x08000000u, K(2048), H7B_FSIZE, "128*8K|128*8K", 16, 0xFF,
	 0x20004000u, 0x200A0000u, 0x0BF80000u, 0x0BF88000u, H5_OBREG,
	 0x08FFF000u, 2048, H7B_UID, 0xE3, U | D | FD | I | S, CKS, 2, 30, 70, 0, 10, NO_EE},
	{0x485, "STM32H7R3xx/7R7xx/7S3xx/7S7xx", "H7",
	 0x08000000u, K(64), H7B_FSIZE, "8*8K", 16, 0xFF,
	 0x20004100u, 0x20010000u, 0x1FF00000u, 0x1FF10000u, H7_OBREG, 0, 0,
	 H7B_UID, 0, U | D | FD | I | S, 0, 2, 30, 16, 0, 100, NO_EE},
	{0x489, "STM32U073xx/083xx", "U0",
	 0x08000000u, K(256), 0x1FFF6EA0u, "128*2K", 8, 0xFF,
	 0x20002000u, 0x2000A000u, 0x1FFF0000u, 0x1FFF6800u, L4_OB, 0x80,
	 0x1FFF6800u, 1024, 0x1FFF6E50u, 0, U | D | I | S, EC | OBL | CKS, 22, 22, 85, 0, 23, NO_EE},
	{0x492, "STM32WBA52xx/54xx/55xx", "WBA",
	 0x08000000u, K(1024), 0x0BF907A0u, "128*8K", 16, 0xFF,
	 0x20004000u, 0x20020000u, 0x0BF88000u, 0x0BF90000u, L5_OBREG,
	 0x0BF90000u, 512, 0x0BF90700u, 0, U | I | S, OBL | CKS, 2, 30, 100, 0, 10, NO_EE},
	{0x493, "STM32C071xx", "C0",
	 0x08000000u, K(128), C0_FSIZE, "64*2K", 8, 0xFF,
	 0x20002000u, 0x20006000u, 0x1FFF0000u, 0x1FFF7000u, L4_OB, 0x80, L4_OTP,
	 C0_UID, 0, U | D | I, EC | OBL | CKS, 22, 22, 85, 0, 23, NO_EE},
	{0x494, "STM32WB10xx/15xx/1Mxx", "WB",
	 0x08000000u, K(320), L4_FSIZE, "160*2K", 8, 0xFF,
	 0x20004000u, 0x2000C000u, L4_SYS, L4_OB, 0x80, L4_OTP,
	 L4_UID, 0xB5, U | I | S, EC | OBL, 22, 22, 82, 0, 23, NO_EE},
	{0x495, "STM32WB30xx/35xx/50xx/55xx/5Mxx", "WB",
	 0x08000000u, K(1024), L4_FSIZE, "256*4K", 8, 0xFF,
	 0x20005000u, 0x20040000u, L4_SYS, 0x1FFF8000u, 0x80, L4_OTP,
	 L4_UID, 0xD5, U | D | I | S, EC | OBL, 22, 22, 82, 0, 23, NO_EE},
	{0x497, "STM32WLE4xx/WLE5xx/WL54xx/WL55xx", "WL",
	 0x08000000u, K(256), L4_FSIZE, "128*2K", 8, 0xFF,
	 0x20002000u, 0x20010000u, 0x1FFF0000u, 0x1FFF4000u, L4_OB, 0x800, L4_OTP,
	 L4_UID, 0xC4, U | S, EC | OBL, 22, 22, 82, 0, 23, NO_EE},
	{0x4B0, "STM32WBA62xx/63xx/64xx/65xx", "WBA",
	 0x08000000u, K(2048), U5_FSIZE, "128*8K|128*8K", 16, 0xFF,
	 0x20004000u, 0x20080000u, 0x0BF90000u, 0x0BFA0000u, L5_OBREG, U5_OTP,
	 U5_UID, 0, U | D | I | S, OBL | CKS, 2, 30, 100, 0, 10, NO_EE},
};

const stp_chip *stp_chip_table(size_t *count)
{
	if (count)
		*count = sizeof(chips) / sizeof(chips[0]);
	return chips;
}
