/**
 * A config as text: serialization into "key: value" lines with derived lines (ConfigSerializer), the word-level
 * tokenizer, numeric scaling, the learning-rate schedule (LrSchedule).
 *
 * <p>May use: runs, util.
 */
package dev.ncpl.text;
