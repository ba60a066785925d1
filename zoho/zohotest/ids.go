package zohotest

import (
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"strings"
	"sync/atomic"
)

// idBase is the first id a server hands out. Zoho CRM ids are 18-19 digit
// numbers serialized as strings (they exceed JavaScript's safe integers);
// starting in the 19-digit range keeps every generated id the same length,
// so that string order and numeric order agree.
const idBase uint64 = 5_725_767_000_000_415_001

// idGen hands out increasing 19-digit ids, so that id order is creation
// order, as in Zoho.
type idGen struct {
	next atomic.Uint64
}

func newIDGen() *idGen {
	g := &idGen{}
	g.next.Store(idBase)
	return g
}

// newID returns the next id.
func (g *idGen) newID() string {
	return strconv.FormatUint(g.next.Add(1)-1, 10)
}

// compareIDs orders ids numerically. Zoho ids are all digits; ids of the same
// length compare as strings, and a shorter id is smaller. Ids that are not
// all digits (possible only through test helpers) sort after numeric ones.
func compareIDs(a, b string) int {
	da, db := isDigits(a), isDigits(b)
	switch {
	case da && !db:
		return -1
	case !da && db:
		return 1
	case len(a) != len(b) && da:
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// randomHex returns n random bytes as hex, for opaque tokens and secrets.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+).
	return hex.EncodeToString(b)
}

// zohoToken returns a token in Zoho's shape: "1000.<32 hex>.<32 hex>".
func zohoToken() string {
	return "1000." + randomHex(16) + "." + randomHex(16)
}

// zohoClientID returns a client id in Zoho's shape: "1000." and 30 upper-case
// letters and digits.
func zohoClientID() string {
	return "1000." + strings.ToUpper(randomHex(15))
}
