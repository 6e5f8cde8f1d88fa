// SPDX-License-Identifier: GPL-2.0
/*
 * stmprog_gpio_jig: a GPIO chip with nothing behind it, for stmprog's
 * kernel-in-the-loop test of init= GPIO lines (tests/kernel/gpio-*.sh).
 *
 * Debian's 6.1 kernel builds neither gpio-sim nor gpio-mockup, so this
 * out-of-tree module stands in for them: 8 lines that keep the level and
 * direction they are given, and one kernel log line per change of an
 * output's level ("stmprog_gpio_jig: line N = V"), which the test reads
 * back to check the order stmprog drove the lines in.  Lines start as
 * inputs reading 0.
 */
#include <linux/bitmap.h>
#include <linux/gpio/driver.h>
#include <linux/module.h>
#include <linux/spinlock.h>

#define JIG_LINES 8

static struct {
	struct gpio_chip gc;
	spinlock_t lock;
	DECLARE_BITMAP(value, JIG_LINES);
	DECLARE_BITMAP(output, JIG_LINES);
} jig;

static void jig_level(unsigned int offset, int value)
{
	unsigned long flags;
	bool changed;

	spin_lock_irqsave(&jig.lock, flags);
	changed = test_bit(offset, jig.value) != !!value ||
		  !test_bit(offset, jig.output);
	__assign_bit(offset, jig.value, value);
	__set_bit(offset, jig.output);
	spin_unlock_irqrestore(&jig.lock, flags);
	/* A line set again to its level is no edge: nothing to log. */
	if (changed)
		pr_info("stmprog_gpio_jig: line %u = %d\n", offset, !!value);
}

static int jig_get(struct gpio_chip *gc, unsigned int offset)
{
	return test_bit(offset, jig.value);
}

static void jig_set(struct gpio_chip *gc, unsigned int offset, int value)
{
	jig_level(offset, value);
}

static int jig_direction_output(struct gpio_chip *gc, unsigned int offset,
				int value)
{
	jig_level(offset, value);
	return 0;
}

static int jig_direction_input(struct gpio_chip *gc, unsigned int offset)
{
	clear_bit(offset, jig.output);
	return 0;
}

static int jig_get_direction(struct gpio_chip *gc, unsigned int offset)
{
	return test_bit(offset, jig.output) ? GPIO_LINE_DIRECTION_OUT
					    : GPIO_LINE_DIRECTION_IN;
}

static int __init jig_init(void)
{
	spin_lock_init(&jig.lock);
	jig.gc.label = "stmprog-jig";
	jig.gc.owner = THIS_MODULE;
	jig.gc.base = -1;
	jig.gc.ngpio = JIG_LINES;
	jig.gc.can_sleep = false;
	jig.gc.get = jig_get;
	jig.gc.set = jig_set;
	jig.gc.direction_output = jig_direction_output;
	jig.gc.direction_input = jig_direction_input;
	jig.gc.get_direction = jig_get_direction;
	return gpiochip_add_data(&jig.gc, NULL);
}

static void __exit jig_exit(void)
{
	gpiochip_remove(&jig.gc);
}

module_init(jig_init);
module_exit(jig_exit);
MODULE_DESCRIPTION("A GPIO chip that logs its output levels, for stmprog's tests");
MODULE_LICENSE("GPL");
