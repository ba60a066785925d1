package zohotest

import (
	"fmt"
	"strconv"
	"strings"
)

// COQL: a parser for the subset of Zoho's CRM Object Query Language the fake
// runs:
//
//	select f1, f2, Lookup.Field from Module
//	  [where <condition>]
//	  [order by f [asc|desc], ...]
//	  [limit n | limit offset, n | limit n offset m]
//
// Conditions: field = != <> < <= > >= value, [not] in (v, ...), [not] like
// 'a%', is [not] null, [not] between a and b; "and"/"or" combine two at a
// time, so more than two need parentheses, as Zoho requires:
// "(a and b) and c". Strings are single-quoted.

type tokKind int

const (
	tEOF tokKind = iota
	tIdent
	tNumber
	tString
	tPunct // ( ) , *
	tOp    // = != <> < <= > >=
)

type token struct {
	kind tokKind
	text string // idents as written; strings unquoted
	col  int    // 1-based column
}

// syntaxError is answered as Zoho's SYNTAX_ERROR with line/column/near.
type syntaxError struct {
	col    int
	near   string
	reason string
}

func (e *syntaxError) Error() string {
	return fmt.Sprintf("column %d near %q: %s", e.col, e.near, e.reason)
}

func lexCOQL(src string) ([]token, error) {
	var toks []token
	i := 0
	for i < len(src) {
		ch := src[i]
		col := i + 1
		switch {
		case ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r':
			i++
		case ch == '\'':
			var b strings.Builder
			j := i + 1
			for ; j < len(src); j++ {
				if src[j] == '\\' && j+1 < len(src) {
					j++
					b.WriteByte(src[j])
					continue
				}
				if src[j] == '\'' {
					if j+1 < len(src) && src[j+1] == '\'' {
						b.WriteByte('\'')
						j++
						continue
					}
					break
				}
				b.WriteByte(src[j])
			}
			if j >= len(src) {
				return nil, &syntaxError{col: col, near: src[i:], reason: "unterminated string"}
			}
			toks = append(toks, token{kind: tString, text: b.String(), col: col})
			i = j + 1
		case ch == '(' || ch == ')' || ch == ',' || ch == '*':
			toks = append(toks, token{kind: tPunct, text: string(ch), col: col})
			i++
		case ch == '=' || ch == '!' || ch == '<' || ch == '>':
			j := i + 1
			if j < len(src) && (src[j] == '=' || (ch == '<' && src[j] == '>')) {
				j++
			}
			op := src[i:j]
			if op == "!" {
				return nil, &syntaxError{col: col, near: op, reason: "unknown operator"}
			}
			toks = append(toks, token{kind: tOp, text: op, col: col})
			i = j
		case ch == '-' || (ch >= '0' && ch <= '9'):
			j := i + 1
			for j < len(src) && (src[j] >= '0' && src[j] <= '9' || src[j] == '.') {
				j++
			}
			toks = append(toks, token{kind: tNumber, text: src[i:j], col: col})
			i = j
		case ch == '_' || ch == '$' || ch == '"' || ch == '`' || (ch|0x20) >= 'a' && (ch|0x20) <= 'z':
			j := i
			quote := byte(0)
			if ch == '"' || ch == '`' { // quoted identifier (reserved words)
				quote, j = ch, i+1
			}
			for j < len(src) {
				c := src[j]
				if quote != 0 {
					if c == quote {
						break
					}
				} else if !(c == '_' || c == '$' || c == '.' || (c >= '0' && c <= '9') || (c|0x20) >= 'a' && (c|0x20) <= 'z') {
					break
				}
				j++
			}
			text := src[i:j]
			if quote != 0 {
				if j >= len(src) {
					return nil, &syntaxError{col: col, near: src[i:], reason: "unterminated quoted name"}
				}
				text = src[i+1 : j]
				j++
			}
			toks = append(toks, token{kind: tIdent, text: text, col: col})
			i = j
		default:
			return nil, &syntaxError{col: col, near: string(ch), reason: "unexpected character"}
		}
	}
	return append(toks, token{kind: tEOF, col: len(src) + 1}), nil
}

// coqlQuery is a parsed select.
type coqlQuery struct {
	fields    []token
	module    token
	where     cexpr
	order     []orderItem
	limit     int
	offset    int
	criteria  int
	limitTok  token
	offsetTok token
}

type orderItem struct {
	field token
	desc  bool
}

// cexpr is a where-clause node: *cbin or *ccond.
type cexpr interface{}

type cbin struct {
	and  bool
	l, r cexpr
}

type ccond struct {
	field  token
	op     string // "=", "!=", "<", "<=", ">", ">=", "in", "like", "null", "between"
	not    bool
	values []token
}

type coqlParser struct {
	toks []token
	pos  int
}

func (p *coqlParser) peek() token { return p.toks[p.pos] }

func (p *coqlParser) next() token {
	t := p.toks[p.pos]
	if t.kind != tEOF {
		p.pos++
	}
	return t
}

func (p *coqlParser) isWord(w string) bool {
	t := p.peek()
	return t.kind == tIdent && strings.EqualFold(t.text, w)
}

func (p *coqlParser) errAt(t token, reason string) error {
	near := t.text
	if t.kind == tEOF {
		near = "end of query"
	}
	return &syntaxError{col: t.col, near: near, reason: reason}
}

func (p *coqlParser) expectWord(w string) error {
	if !p.isWord(w) {
		return p.errAt(p.peek(), "expected "+w)
	}
	p.next()
	return nil
}

func (p *coqlParser) expectPunct(s string) error {
	if t := p.peek(); t.kind != tPunct || t.text != s {
		return p.errAt(t, "expected "+s)
	}
	p.next()
	return nil
}

func parseCOQL(src string) (*coqlQuery, error) {
	toks, err := lexCOQL(src)
	if err != nil {
		return nil, err
	}
	p := &coqlParser{toks: toks}
	q := &coqlQuery{limit: 200}
	if err := p.expectWord("select"); err != nil {
		return nil, err
	}
	for {
		t := p.next()
		if t.kind != tIdent {
			return nil, p.errAt(t, "expected a field name")
		}
		if n := p.peek(); n.kind == tPunct && n.text == "(" {
			return nil, p.errAt(t, "functions (aggregates) are not supported by zohotest")
		}
		q.fields = append(q.fields, t)
		if n := p.peek(); n.kind == tPunct && n.text == "," {
			p.next()
			continue
		}
		break
	}
	if err := p.expectWord("from"); err != nil {
		return nil, err
	}
	if q.module = p.next(); q.module.kind != tIdent {
		return nil, p.errAt(q.module, "expected a module name")
	}
	if p.isWord("where") {
		p.next()
		if q.where, err = p.condition(q); err != nil {
			return nil, err
		}
	}
	if p.isWord("order") {
		p.next()
		if err := p.expectWord("by"); err != nil {
			return nil, err
		}
		for {
			t := p.next()
			if t.kind != tIdent {
				return nil, p.errAt(t, "expected a field name")
			}
			it := orderItem{field: t}
			if p.isWord("asc") {
				p.next()
			} else if p.isWord("desc") {
				p.next()
				it.desc = true
			}
			q.order = append(q.order, it)
			if n := p.peek(); n.kind == tPunct && n.text == "," {
				p.next()
				continue
			}
			break
		}
	}
	if p.isWord("limit") {
		p.next()
		if err := p.limit(q); err != nil {
			return nil, err
		}
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, p.errAt(t, "unexpected text")
	}
	return q, nil
}

func (p *coqlParser) number() (int, token, error) {
	t := p.next()
	n, err := strconv.Atoi(t.text)
	if t.kind != tNumber || err != nil || n < 0 {
		return 0, t, p.errAt(t, "expected a non-negative integer")
	}
	return n, t, nil
}

// limit := n | offset "," n | n "offset" offset
func (p *coqlParser) limit(q *coqlQuery) error {
	n, t, err := p.number()
	if err != nil {
		return err
	}
	q.limit, q.limitTok = n, t
	switch {
	case p.peek().kind == tPunct && p.peek().text == ",":
		p.next()
		q.offset, q.offsetTok = n, t
		if q.limit, q.limitTok, err = p.number(); err != nil {
			return err
		}
	case p.isWord("offset"):
		p.next()
		if q.offset, q.offsetTok, err = p.number(); err != nil {
			return err
		}
	}
	if q.limit == 0 {
		return p.errAt(q.limitTok, "limit must be at least 1")
	}
	return nil
}

// condition := primary [("and"|"or") primary]; a third operand without
// parentheses is a syntax error, as in Zoho.
func (p *coqlParser) condition(q *coqlQuery) (cexpr, error) {
	l, err := p.primary(q)
	if err != nil {
		return nil, err
	}
	if !p.isWord("and") && !p.isWord("or") {
		return l, nil
	}
	and := p.isWord("and")
	p.next()
	r, err := p.primary(q)
	if err != nil {
		return nil, err
	}
	if p.isWord("and") || p.isWord("or") {
		return nil, p.errAt(p.peek(), "more than two conditions need parentheses, e.g. (a and b) and c")
	}
	return &cbin{and: and, l: l, r: r}, nil
}

func (p *coqlParser) primary(q *coqlQuery) (cexpr, error) {
	if t := p.peek(); t.kind == tPunct && t.text == "(" {
		p.next()
		e, err := p.condition(q)
		if err != nil {
			return nil, err
		}
		return e, p.expectPunct(")")
	}
	field := p.next()
	if field.kind != tIdent {
		return nil, p.errAt(field, "expected a field name")
	}
	q.criteria++
	c := &ccond{field: field}
	if p.isWord("not") {
		p.next()
		c.not = true
	}
	t := p.next()
	switch {
	case t.kind == tOp && !c.not:
		c.op = t.text
		if c.op == "<>" {
			c.op = "!="
		}
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		c.values = []token{v}
	case t.kind == tIdent && strings.EqualFold(t.text, "in"):
		c.op = "in"
		if err := p.expectPunct("("); err != nil {
			return nil, err
		}
		for {
			v, err := p.value()
			if err != nil {
				return nil, err
			}
			c.values = append(c.values, v)
			if n := p.peek(); n.kind == tPunct && n.text == "," {
				p.next()
				continue
			}
			break
		}
		if err := p.expectPunct(")"); err != nil {
			return nil, err
		}
	case t.kind == tIdent && strings.EqualFold(t.text, "like"):
		c.op = "like"
		v := p.next()
		if v.kind != tString {
			return nil, p.errAt(v, "like needs a quoted pattern")
		}
		c.values = []token{v}
	case t.kind == tIdent && strings.EqualFold(t.text, "between"):
		c.op = "between"
		lo, err := p.value()
		if err != nil {
			return nil, err
		}
		if err := p.expectWord("and"); err != nil {
			return nil, err
		}
		hi, err := p.value()
		if err != nil {
			return nil, err
		}
		c.values = []token{lo, hi}
	case t.kind == tIdent && strings.EqualFold(t.text, "is") && !c.not:
		c.op = "null"
		if p.isWord("not") {
			p.next()
			c.not = true
		}
		if err := p.expectWord("null"); err != nil {
			return nil, err
		}
	default:
		return nil, p.errAt(t, "expected an operator")
	}
	return c, nil
}

func (p *coqlParser) value() (token, error) {
	t := p.next()
	switch t.kind {
	case tString, tNumber:
		return t, nil
	case tIdent:
		if strings.EqualFold(t.text, "true") || strings.EqualFold(t.text, "false") {
			return t, nil
		}
	}
	return t, p.errAt(t, "expected a value")
}
