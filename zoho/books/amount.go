package books

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/cockroachdb/apd/v3"
)

// Amount is an exact decimal: money, rates, quantities, stock. Zoho sends
// them as JSON numbers (1234.56); decoding them into float64 and back can
// turn 1234.56 into 1234.5599999999999, and sums drift (0.1+0.2). Amount
// keeps the decimal text Zoho sent, scale included ("1234.50" stays
// "1234.50"), and writes it back unchanged. Arithmetic goes through
// github.com/cockroachdb/apd/v3 (Decimal), the decimal library the project's
// transform package uses.
//
// The zero Amount holds no value: it encodes as JSON null, is left out by an
// omitzero tag (so a write sends only the amounts that were set), and JSON
// null or "" decode to it. IsZero reports exactly that; an amount equal to 0
// (NewAmount(0, 0)) is a value, with Sign() == 0.
//
// Amount is comparable, but == compares the text: use Equal or Cmp to
// compare values (1.5 equals 1.50).
type Amount struct {
	text string // plain decimal notation, no exponent; "" = no value
}

// ParseAmount reads a decimal such as "1234.56", "-0.10" or "1E+3" (written
// back as "1000"). Infinity and NaN are refused.
func ParseAmount(s string) (Amount, error) {
	d, _, err := apd.NewFromString(s)
	if err != nil || d.Form != apd.Finite {
		return Amount{}, fmt.Errorf("books: amount %q is not a decimal number", s)
	}
	return AmountFromDecimal(d)
}

// maxAmountDigits bounds the text of an amount: "1E+999999" is a valid
// decimal that nobody means as money.
const maxAmountDigits = 100

// NewAmount returns coeff × 10^exp: NewAmount(123456, -2) is 1234.56.
func NewAmount(coeff int64, exp int32) Amount {
	return Amount{text: apd.New(coeff, exp).Text('f')}
}

// AmountFromDecimal returns d as an Amount; d must be finite.
func AmountFromDecimal(d *apd.Decimal) (Amount, error) {
	if d == nil || d.Form != apd.Finite {
		return Amount{}, errors.New("books: amount: not a finite decimal")
	}
	if d.NumDigits()+int64(max(d.Exponent, -d.Exponent)) > maxAmountDigits {
		return Amount{}, fmt.Errorf("books: amount %s has more than %d digits", d.String(), maxAmountDigits)
	}
	return Amount{text: d.Text('f')}, nil
}

// IsZero reports whether a holds no value (not whether it equals 0).
func (a Amount) IsZero() bool { return a.text == "" }

// String returns the decimal text ("1234.56"), or "" for no value.
func (a Amount) String() string { return a.text }

// Decimal returns the value as a new apd.Decimal, and false for no value.
func (a Amount) Decimal() (*apd.Decimal, bool) {
	if a.text == "" {
		return nil, false
	}
	d, _, err := apd.NewFromString(a.text)
	if err != nil {
		return nil, false // cannot happen: text was produced by apd
	}
	return d, true
}

// Float64 returns the nearest float64, for display or statistics only;
// 0 for no value.
func (a Amount) Float64() float64 {
	f, _ := strconv.ParseFloat(a.text, 64)
	return f
}

// Sign returns -1, 0 or 1; 0 for no value.
func (a Amount) Sign() int {
	d, ok := a.Decimal()
	if !ok {
		return 0
	}
	return d.Sign()
}

// Cmp compares the values of a and b (-1, 0, 1). No value sorts before
// every value.
func (a Amount) Cmp(b Amount) int {
	da, oka := a.Decimal()
	db, okb := b.Decimal()
	switch {
	case !oka && !okb:
		return 0
	case !oka:
		return -1
	case !okb:
		return 1
	}
	return da.Cmp(db)
}

// Equal reports whether a and b hold the same value (1.5 equals 1.50), or
// both hold none.
func (a Amount) Equal(b Amount) bool { return a.Cmp(b) == 0 && a.IsZero() == b.IsZero() }

// MarshalJSON writes the decimal as a JSON number, exactly, or null.
func (a Amount) MarshalJSON() ([]byte, error) {
	if a.text == "" {
		return []byte("null"), nil
	}
	return []byte(a.text), nil
}

// UnmarshalJSON reads a JSON number or a quoted number exactly; null and ""
// give no value.
func (a *Amount) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		*a = Amount{}
		return nil
	}
	s := string(b)
	if b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("books: amount %s: %w", b, err)
		}
		if s == "" {
			*a = Amount{}
			return nil
		}
	}
	v, err := ParseAmount(s)
	if err != nil {
		return err
	}
	*a = v
	return nil
}
