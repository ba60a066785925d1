// Package transform maps records between two schemas: a Zoho CRM Account and an ERP customer,
// a Books invoice and an accounting entry. A Mapping is a list of declarative rules (field
// renames with nested paths, defaults, constants, value maps for picklists, date-time and
// decimal conversions, string normalisation, id look-ups, computed fields), built in Go with
// New or loaded from the `mappings:` section of zohokit.yaml with ParseYAML and Build.
// Bidirectional syncs get the reverse mapping from Invert, which refuses, naming the field and
// the reason, where a rule has no exact inverse.
//
// Records are map[string]any of JSON-like values: what encoding/json decodes (with or without
// UseNumber), plus time.Time values an adapter may put in. The package does no I/O of its own;
// look-ups and computed fields are functions the program passes in.
//
// # Canonical values
//
// Apply writes only these value forms, so that mapping the same input twice gives deep-equal
// output, equal inputs from either side compare equal after mapping, and the sync engine can
// hash what it writes (Canonical converts any value to them; Equal and Hash compare them):
//
//   - null is nil; booleans are bool; text is string.
//   - Numbers are json.Number in plain decimal notation: no exponent, no '+', no leading zeros,
//     no negative zero ("1.5e3" → "1500", "-0.00" → "0.00"). The fraction digits are kept
//     ("1234.50" stays "1234.50"): a decimal or money converter with a scale fixes them. Go
//     integers become their digits; a float64 is read through its shortest decimal form (the
//     float64 1234.56 from encoding/json becomes "1234.56"), never rounded through a float on
//     the way out. NaN and infinities are errors. json.Number marshals as a JSON number.
//   - Dates and date-times converted by DateTime are strings in the target layout (Unix layouts
//     give integer json.Numbers). A time.Time that passes through a rule without a converter
//     stays a time.Time, in UTC and without a monotonic clock reading.
//   - Arrays are []any and objects map[string]any (other slice and string-keyed map types are
//     converted); the output never shares a map or slice with the input.
//
// Equal compares canonical values: numbers by value, whatever the Go type or scale ("2.50",
// 2.5 and float32(2.5) are equal); times as instants; a string never equals a number, and a
// null never equals a missing key. Hash is a SHA-256 over an encoding that agrees with Equal.
//
// # Missing, null and defaults
//
// A source field that is missing leaves its target unset (so a partial update does not clear
// fields); a null is written as null without calling the converters (so clearing a field
// propagates). A Default replaces a missing or null source value and then goes through the
// converters. Options.Unmapped chooses whether source fields that no rule reads are dropped
// (the default) or reported as ErrUnmapped field errors.
//
// # Errors
//
// New and Build check everything they can up front (paths, overlapping targets, layouts,
// zones, currencies, picklist duplicates, registry names) and return all problems together as
// *RuleError values naming the field (and its YAML line). Apply reports every failing field
// at once in a *MappingError, each FieldError with the path, the offending value and the cause.
//
// # Invertibility
//
// Invert reverses each rule. These are invertible: renames (including nested and indexed
// paths); one-to-one value maps (UnknownError or UnknownPass); date-time conversions whose
// target keeps the source's precision; decimals that keep their scale or change it exactly
// (RoundExact, or any rounding when the declared source scale is not larger than the target
// scale); look-ups with a reverse function; string trimming, collapsing, NFC and
// empty-as-null (they are projections, so the inverse applies them again); computed fields
// with an inverse; converters made with Reversible. These are not, and Invert says why: value
// maps that send two values (or all unknown values) to one; a lossy rounding; a date-time that
// drops precision (milliseconds to seconds, a date-time to a date); a case conversion; a
// look-up without a reverse; a computed field without an inverse; a constant; two rules that
// read the same source path. Rules marked OneWay are left out of the inverse instead.
//
// For an invertible mapping, applying it and then its inverse gives back every mapped field of
// a record whose values are in the source's declared form: text in the source layout and zone
// (the instant always survives; the offset text survives when the source zone is declared),
// decimals at the declared source scale, strings already normalised. Defaults apply forward
// only.
package transform
