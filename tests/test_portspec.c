/* The -c port=... grammar: every transport's keys, defaults, and the
 * errors that must name the key at fault. */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "stmprog/portspec.h"

static stp_ctx *ctx;

static void setup(void)
{
	ctx = stp_ctx_new();
}

static void teardown(void)
{
	stp_ctx_free(ctx);
}

TestSuite(portspec, .init = setup, .fini = teardown);

/* Warnings the parser logs, one a line. */
static char warnings[2048];
static int nwarnings;

static void keep_warning(void *user, stp_log_level level, const char *msg)
{
	size_t used = strlen(warnings);

	(void)user;
	if (level == STP_LOG_WARN) {
		nwarnings++;
		snprintf(warnings + used, sizeof(warnings) - used, "%s\n", msg);
	}
}

static stp_portspec parse_ok(const char *s)
{
	stp_portspec spec;
	stp_status st = stp_portspec_parse_string(ctx, s, &spec);
	cr_assert_eq(st, STP_OK, "'%s' failed: %s", s, stp_last_detail(ctx));
	return spec;
}

static void parse_fails(const char *s, const char *needle)
{
	stp_portspec spec;
	stp_status st = stp_portspec_parse_string(ctx, s, &spec);
	cr_assert_eq(st, STP_ERR_PORTSPEC, "'%s' should fail", s);
	cr_assert(strstr(stp_last_detail(ctx), needle),
	          "detail for '%s' is '%s', expected to mention '%s'", s,
	          stp_last_detail(ctx), needle);
}

Test(portspec, transports_by_shape)
{
	cr_assert_eq(stp_port_transport("usb1"), STP_TRANSPORT_USB);
	cr_assert_eq(stp_port_transport("USB2"), STP_TRANSPORT_USB);
	cr_assert_eq(stp_port_transport("/dev/ttyUSB0"), STP_TRANSPORT_UART);
	cr_assert_eq(stp_port_transport("/dev/pts/7"), STP_TRANSPORT_UART);
	cr_assert_eq(stp_port_transport("COM3"), STP_TRANSPORT_UART);
	cr_assert_eq(stp_port_transport("com12"), STP_TRANSPORT_UART);
	cr_assert_eq(stp_port_transport("\\\\.\\COM15"), STP_TRANSPORT_UART);
	cr_assert_eq(stp_port_transport("can0"), STP_TRANSPORT_CAN);
	cr_assert_eq(stp_port_transport("vcan1"), STP_TRANSPORT_CAN);
	cr_assert_eq(stp_port_transport("slcan:/dev/ttyACM0"), STP_TRANSPORT_CAN);
	cr_assert_eq(stp_port_transport("socketcan:mybus"), STP_TRANSPORT_CAN);
	cr_assert_eq(stp_port_transport("usbx"), STP_TRANSPORT_NONE);
	cr_assert_eq(stp_port_transport("ttyUSB0"), STP_TRANSPORT_NONE);
	cr_assert_eq(stp_port_transport("COM"), STP_TRANSPORT_NONE);
	cr_assert_eq(stp_port_transport(""), STP_TRANSPORT_NONE);
}

Test(portspec, usb_keys)
{
	stp_portspec s = parse_ok("port=usb2 sn=206A3583 VID=0x0483 PID=0xDF11");
	cr_assert_eq(s.transport, STP_TRANSPORT_USB);
	cr_assert_eq(s.usb_index, 2);
	cr_assert_str_eq(s.serial, "206A3583");
	cr_assert_eq(s.vid, 0x0483);
	cr_assert_eq(s.pid, 0xDF11);
	s = parse_ok("port=USB1");
	cr_assert_eq(s.usb_index, 1);
	cr_assert_eq(s.vid, -1);
	cr_assert_eq(s.pid, -1);
	cr_assert_eq(s.given, 0);
	s = parse_ok("port=usb");
	cr_assert_eq(s.usb_index, 1);
}

Test(portspec, uart_defaults_are_8e1_115200)
{
	stp_portspec s = parse_ok("port=/dev/ttyUSB0");
	cr_assert_eq(s.transport, STP_TRANSPORT_UART);
	cr_assert_eq(s.baud, 115200);
	cr_assert_eq(s.parity, STP_PARITY_EVEN);
	cr_assert_eq(s.data_bits, 8);
	cr_assert_eq(s.stop_halves, 2);
	cr_assert_eq(s.flow, STP_FLOW_OFF);
	cr_assert_eq(s.noinit, false);
}

Test(portspec, uart_all_keys)
{
	stp_portspec s = parse_ok("port=COM3 br=57600 P=NONE db=8 sb=1.5 fc=Hardware noinit=1");
	cr_assert_eq(s.baud, 57600);
	cr_assert_eq(s.parity, STP_PARITY_NONE);
	cr_assert_eq(s.stop_halves, 3);
	cr_assert_eq(s.flow, STP_FLOW_HARDWARE);
	cr_assert_eq(s.noinit, true);
	cr_assert(s.given & STP_GIVEN_BR);
	cr_assert(s.given & STP_GIVEN_NOINIT);
	/* keys are case-insensitive, as in the vendor CLI */
	s = parse_ok("PORT=/dev/ttyS1 BR=9600 p=odd SB=2");
	cr_assert_eq(s.baud, 9600);
	cr_assert_eq(s.parity, STP_PARITY_ODD);
	cr_assert_eq(s.stop_halves, 4);
}

Test(portspec, can_keys)
{
	stp_portspec s = parse_ok("port=can0 br=500");
	cr_assert_eq(s.transport, STP_TRANSPORT_CAN);
	cr_assert_eq(s.can_kbps, 500);
	cr_assert_eq(s.can_fd, -1);
	s = parse_ok("port=slcan:/dev/ttyACM0 br=125 dbr=1000 fd=1");
	cr_assert_str_eq(s.port, "slcan:/dev/ttyACM0");
	cr_assert_eq(s.can_data_kbps, 1000);
	cr_assert_eq(s.can_fd, 1);
	/* the vendor's ST-LINK bridge keys are accepted for scripts' sake,
	 * each with a warning that it does nothing here */
	warnings[0] = '\0';
	nwarnings = 0;
	stp_ctx_set_log(ctx, keep_warning, NULL, STP_LOG_WARN);
	s = parse_ok("port=can0 br=125 mode=NORMAL ide=STANDARD rtr=DATA fifo=FIFO0 fm=MASK fs=32 fe=ENABLE fbn=2");
	stp_ctx_set_log(ctx, NULL, NULL, STP_LOG_WARN);
	cr_assert_eq(s.can_kbps, 125);
	cr_assert_eq(nwarnings, 8, "%s", warnings);
	cr_assert(strstr(warnings, "ide=STANDARD sets up ST's ST-LINK CAN bridge"),
	          "%s", warnings);
	cr_assert(strstr(warnings, "so it is ignored"), "%s", warnings);
	parse_fails("port=can0 ide=HUGE", "ide=HUGE");
	/* speed=: the rates AN3154's SPEED command has, CAN only */
	s = parse_ok("port=slcan:/dev/ttyACM0 br=125 speed=500");
	cr_assert_eq(s.can_speed_kbps, 500);
	cr_assert(s.given & STP_GIVEN_SPEED);
	cr_assert_eq(parse_ok("port=can0").can_speed_kbps, 0);
	parse_fails("port=can0 speed=400", "speed=400");
	parse_fails("port=/dev/ttyUSB0 speed=500", "speed");
	/* window=: AN3154 WRITE frames ahead of their ACKs, CAN only */
	s = parse_ok("port=slcan:/dev/ttyACM0 br=125 window=1");
	cr_assert_eq(s.can_write_window, 1);
	cr_assert(s.given & STP_GIVEN_WINDOW);
	cr_assert_eq(parse_ok("port=can0").can_write_window, 0);
	parse_fails("port=can0 window=0", "window=0");
	parse_fails("port=can0 window=4", "window=4");
	parse_fails("port=/dev/ttyUSB0 window=1", "window");
}

Test(portspec, words_as_separate_arguments_in_any_order)
{
	const char *argv[] = {"br=9600", "port=/dev/ttyUSB1", "P=EVEN"};
	stp_portspec s;
	cr_assert_eq(stp_portspec_parse(ctx, 3, argv, &s), STP_OK);
	cr_assert_str_eq(s.port, "/dev/ttyUSB1");
	cr_assert_eq(s.baud, 9600);
}

Test(portspec, errors_name_the_key)
{
	parse_fails("port=/dev/ttyUSB0 baud=115200", "'baud'");
	parse_fails("port=/dev/ttyUSB0 br=fast", "br=fast");
	parse_fails("port=/dev/ttyUSB0 br=100", "br=100");
	parse_fails("port=/dev/ttyUSB0 P=MARK", "P=MARK");
	parse_fails("port=/dev/ttyUSB0 sb=3", "sb=3");
	parse_fails("port=/dev/ttyUSB0 noinit=maybe", "noinit=maybe");
	parse_fails("port=usb1 VID=0x12345", "VID=0x12345");
	parse_fails("port=usb1 PID=-1", "PID=-1");
	parse_fails("port=usb1 br=115200", "'br' does not apply to usb");
	parse_fails("port=/dev/ttyUSB0 sn=123", "'sn' does not apply to uart");
	parse_fails("port=can0 br=2000", "br=2000");
	parse_fails("port=usb0", "usb1");
	parse_fails("port=ttyUSB0", "port=ttyUSB0");
	parse_fails("port=", "no value");
	parse_fails("br=115200", "no port=");
	parse_fails("port=usb1 port=usb2", "twice");
	parse_fails("port=usb1 sn", "'sn' is not a key=value pair");
}

Test(portspec, format_round_trips)
{
	char buf[512];
	stp_portspec s = parse_ok("port=/dev/ttyUSB0 br=57600 P=ODD sb=2");
	stp_portspec again;
	stp_portspec_format(&s, buf, sizeof(buf));
	cr_assert_str_eq(buf, "port=/dev/ttyUSB0 br=57600 P=ODD db=8 sb=2 fc=OFF noinit=0");
	cr_assert_eq(stp_portspec_parse_string(ctx, buf, &again), STP_OK);
	cr_assert_eq(again.baud, 57600);
	cr_assert_eq(again.parity, STP_PARITY_ODD);
	s = parse_ok("port=usb1 sn=ABC VID=0x0483");
	stp_portspec_format(&s, buf, sizeof(buf));
	cr_assert_str_eq(buf, "port=usb1 sn=ABC VID=0x0483");
}

Test(portspec, error_strings_exist_for_every_status)
{
	for (int st = 0; st < STP_STATUS_COUNT; st++) {
		cr_assert_str_neq(stp_strerror((stp_status)st), "unknown error");
		cr_assert_str_neq(stp_status_name((stp_status)st), "unknown");
	}
	cr_assert_str_eq(stp_strerror(STP_STATUS_COUNT), "unknown error");
}

Test(portspec, uart_line_sequence)
{
	stp_portspec s = parse_ok("port=/dev/ttyUSB0 init=-rts&dtr,-dtr:rts,-rts");
	cr_assert_str_eq(s.init_seq, "-rts&dtr,-dtr:rts,-rts");
	cr_assert(s.given & STP_GIVEN_INIT);
	parse_fails("port=/dev/ttyUSB0 init=RTS;DTR", "init=RTS;DTR");
	parse_fails("port=usb1 init=rts", "init");
}

/* Issue 11 §7: db=9 ran as 8 data bits, and a key given twice took the
 * last value without a word.  Both are usage errors naming the key. */
Test(portspec, bad_data_bits_and_repeated_keys_are_refused)
{
	stp_portspec s;

	parse_fails("port=/dev/ttyUSB0 db=9", "db=9: expected 6, 7 or 8");
	parse_fails("port=/dev/ttyUSB0 db=5", "db=5");
	parse_fails("port=/dev/ttyUSB0 db=0x8 db=8", "key 'db' is given twice");
	s = parse_ok("port=/dev/ttyUSB0 db=7");
	cr_assert_eq(s.data_bits, 7);
	parse_fails("port=/dev/ttyUSB0 br=115200 br=9600",
	            "key 'br' is given twice (the second time as br=9600)");
	/* Case does not make it another key. */
	parse_fails("port=/dev/ttyUSB0 p=EVEN P=NONE", "key 'P' is given twice");
	parse_fails("port=usb1 sn=1 SN=2", "key 'sn' is given twice");
	parse_fails("port=can0 br=125 fd=0 fd=1", "key 'fd' is given twice");
	parse_fails("port=can0 mode=NORMAL MODE=SILENT", "key 'mode' is given twice");
	/* Twice across argv words, as -c's words arrive. */
	{
		const char *argv[] = {"port=COM3", "br=57600", "BR=57600"};

		cr_assert_eq(stp_portspec_parse(ctx, 3, argv, &s), STP_ERR_PORTSPEC);
		cr_assert(strstr(stp_last_detail(ctx), "key 'br' is given twice"),
		          "%s", stp_last_detail(ctx));
	}
	parse_fails("PORT=usb1 port=usb2", "port= is given twice");
}

/* Issue 11 §8: port names and keys are case-insensitive where the vendor
 * CLI's are, and backends see one spelling: usbN, COMn, slcan:...;
 * device paths and interface names keep their case. */
Test(portspec, vendor_spellings_are_normalised)
{
	stp_portspec s = parse_ok("PORT=USB1 SN=ABC vid=0x0483 Pid=0xdf11");

	cr_assert_str_eq(s.port, "usb1");
	cr_assert_eq(s.usb_index, 1);
	cr_assert_str_eq(s.serial, "ABC");
	cr_assert_eq(s.vid, 0x0483);
	cr_assert_eq(s.pid, 0xDF11);
	s = parse_ok("Port=Usb12");
	cr_assert_str_eq(s.port, "usb12");
	cr_assert_eq(s.usb_index, 12);
	s = parse_ok("port=com7 BR=57600 p=even DB=8 SB=1 FC=off NOINIT=1");
	cr_assert_str_eq(s.port, "COM7");
	cr_assert_eq(s.baud, 57600);
	cr_assert_eq(s.parity, STP_PARITY_EVEN);
	cr_assert(s.noinit);
	s = parse_ok("port=\\\\.\\com15");
	cr_assert_str_eq(s.port, "\\\\.\\COM15");
	s = parse_ok("port=SLCAN:/dev/ttyACM0 BR=125 Speed=500");
	cr_assert_str_eq(s.port, "slcan:/dev/ttyACM0");
	cr_assert_eq(s.can_speed_kbps, 500);
	s = parse_ok("port=/dev/serial/by-id/usb-FTDI_FT232R-if00");
	cr_assert_str_eq(s.port, "/dev/serial/by-id/usb-FTDI_FT232R-if00");
	s = parse_ok("port=can0");
	cr_assert_str_eq(s.port, "can0");
	parse_fails("port=CAN0", "port=CAN0 is not");
	cr_assert(strstr(stp_last_hint(ctx), "case-sensitive"), "%s",
	          stp_last_hint(ctx));
}

/* Selecting a DFU device by where it is plugged: path= and port=usb:PATH,
 * stored in one canonical form and combinable with the other USB keys. */
Test(portspec, usb_path_selects_by_place)
{
	stp_portspec s = parse_ok("port=usb path=1-2.3");
	char buf[512];

	cr_assert_eq(s.transport, STP_TRANSPORT_USB);
	cr_assert_str_eq(s.usb_path, "1-2.3");
	cr_assert(s.given & STP_GIVEN_PATH);
	cr_assert_eq(s.usb_index, 1);
	s = parse_ok("port=USB:3-1");
	cr_assert_eq(s.transport, STP_TRANSPORT_USB);
	cr_assert_str_eq(s.port, "usb:3-1");
	cr_assert_str_eq(s.usb_path, "3-1");
	cr_assert(s.given & STP_GIVEN_PATH);
	cr_assert_eq(s.usb_index, 1);
	/* Leading zeros are written away; the deepest tree USB allows. */
	s = parse_ok("port=usb PATH=001-02.255.1.1.1.1.7");
	cr_assert_str_eq(s.usb_path, "1-2.255.1.1.1.1.7");
	s = parse_ok("sn=206A3583 path=255-255.255.255.255.255.255.255 "
	             "PID=0xDF11 port=usb1 VID=0x0483");
	cr_assert_str_eq(s.usb_path, "255-255.255.255.255.255.255.255");
	cr_assert_str_eq(s.serial, "206A3583");
	cr_assert_eq(s.vid, 0x0483);
	cr_assert_eq(s.pid, 0xDF11);
	stp_portspec_format(&s, buf, sizeof(buf));
	cr_assert_str_eq(buf, "port=usb1 path=255-255.255.255.255.255.255.255 "
	                      "sn=206A3583 VID=0x0483 PID=0xDF11");
	s = parse_ok("port=usb:1-4 sn=X");
	stp_portspec_format(&s, buf, sizeof(buf));
	cr_assert_str_eq(buf, "port=usb:1-4 sn=X");
	s = parse_ok("port=usb1");
	cr_assert_str_eq(s.usb_path, "");
	cr_assert_eq(s.given & STP_GIVEN_PATH, 0);
}

Test(portspec, usb_path_errors_show_the_form)
{
	static const char *const bad[] = {
		"1",          /* no port */
		"1-",         /* no port number */
		"-2",         /* no bus */
		"0-1",        /* bus 0 */
		"1-0",        /* port 0 */
		"1-256",      /* port above 255 */
		"256-1",      /* bus above 255 */
		"1-2.",       /* trailing dot */
		"1-2..3",     /* empty level */
		"1-2.3.4.5.6.7.8.9", /* 8 levels */
		"1-2:1.0",    /* an interface, not a device */
		"1-2.x",
		"usb1",
		"1-00001",
	};
	char spec[128];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char needle[64];
		snprintf(spec, sizeof(spec), "port=usb path=%s", bad[i]);
		snprintf(needle, sizeof(needle), "path=%s: expected", bad[i]);
		parse_fails(spec, needle);
		cr_assert(strstr(stp_last_detail(ctx), "BUS-PORT[.PORT...]"),
		          "%s", stp_last_detail(ctx));
		snprintf(spec, sizeof(spec), "port=usb:%s", bad[i]);
		snprintf(needle, sizeof(needle), "port=usb:%s: expected", bad[i]);
		parse_fails(spec, needle);
		cr_assert(strstr(stp_last_detail(ctx), "such as 1-2.3"), "%s",
		          stp_last_detail(ctx));
		cr_assert(strstr(stp_last_hint(ctx), "port=usb:1-2.3"), "%s",
		          stp_last_hint(ctx));
	}
	parse_fails("port=usb:", "not a USB, serial or CAN port name");
	parse_fails("port=usb:1-2 path=1-3", "give either port=usb:PATH");
	parse_fails("port=usb path=1-2 path=1-3", "twice");
	parse_fails("port=can0 path=1-2", "'path' does not apply to can");
}

/* On a serial port, path= names the FTDI adapter whose CBUS pins init=
 * drives (a jig's separate FTDI chip, the simulator's pty). */
Test(portspec, uart_path_names_the_cbus_adapter)
{
	char buf[512];
	stp_portspec s = parse_ok("port=/dev/ttyACM0 path=1-4.2 "
	                          "init=cbus0,-cbus1,cbus1");

	cr_assert_eq(s.transport, STP_TRANSPORT_UART);
	cr_assert_str_eq(s.usb_path, "1-4.2");
	cr_assert(s.given & STP_GIVEN_PATH);
	stp_portspec_format(&s, buf, sizeof(buf));
	cr_assert(strstr(buf, " path=1-4.2"), "%s", buf);
	parse_fails("port=/dev/ttyUSB0 path=1-", "path=1-: expected");
	parse_fails("port=/dev/ttyUSB0 path=1-2 path=1-3", "twice");
}

/* udev's stable names for serial ports are serial ports; a CAN
 * interface is selected by its name. */
Test(portspec, stable_serial_names_and_can_interfaces)
{
	static const char by_path[] =
		"/dev/serial/by-path/pci-0000:00:14.0-usb-0:2.3:1.0-port0";
	static const char by_id[] =
		"/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A10K2Z3C-if00-port0";
	char spec[300];
	stp_portspec s;

	cr_assert_eq(stp_port_transport(by_path), STP_TRANSPORT_UART);
	cr_assert_eq(stp_port_transport(by_id), STP_TRANSPORT_UART);
	snprintf(spec, sizeof(spec), "port=%s br=57600", by_path);
	s = parse_ok(spec);
	cr_assert_eq(s.transport, STP_TRANSPORT_UART);
	cr_assert_str_eq(s.port, by_path);
	cr_assert_eq(s.baud, 57600);
	snprintf(spec, sizeof(spec), "port=%s", by_id);
	s = parse_ok(spec);
	cr_assert_str_eq(s.port, by_id);
	s = parse_ok("port=can1 br=500");
	cr_assert_eq(s.transport, STP_TRANSPORT_CAN);
	cr_assert_str_eq(s.port, "can1");
	s = parse_ok("port=socketcan:line_a br=250");
	cr_assert_eq(s.transport, STP_TRANSPORT_CAN);
	cr_assert_str_eq(s.port, "socketcan:line_a");
}
