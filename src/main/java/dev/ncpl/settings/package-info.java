/**
 * The settings that shape the models fitted beside the network and their blend ({@link
 * dev.ncpl.settings.PosthocSettings}): read from a recipe's {@code posthoc} section, recorded in {@code model.json}.
 * Uses only {@code util}; every package that fits or blends may use it.
 */
package dev.ncpl.settings;
