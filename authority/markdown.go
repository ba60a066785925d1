package authority

import (
	"strings"
)

// Markdown renders the table as the Markdown (GitHub-flavoured) table that
// integrators hand to their clients, with the columns Data type,
// Authoritative system and Rationale:
//
//	| Data type | Authoritative system | Rationale |
//	| --- | --- | --- |
//	| customers | CRM | Sales owns the customer relationship. |
//	| customers: delivery_city, delivery_street | ERP | The warehouse confirms addresses. |
//
// Rules appear in the order they were configured; each rule's field
// overrides follow it on their own rows, the data type cell naming the
// fields ("customers: delivery_city, delivery_street") and the system cell
// the override's system, so that a reader sees every owner in the system
// column. Cells are written as given (Markdown in a rationale stays
// Markdown) except that a "|" is escaped as "\|" (and a backslash before
// it too), surrounding spaces are trimmed and line breaks become "<br>", so
// no text can break the table. The same table always renders to
// the same bytes.
func (t *Table) Markdown() string {
	var b strings.Builder
	// A backslash already before a pipe is escaped too, so that it cannot
	// cancel the pipe's escape.
	esc := strings.NewReplacer(`\|`, `\\\|`, "|", `\|`, "\r\n", "<br>", "\r", "<br>", "\n", "<br>")
	b.WriteString("| Data type | Authoritative system | Rationale |\n")
	b.WriteString("| --- | --- | --- |\n")
	row := func(cells ...string) {
		b.WriteString("|")
		for _, c := range cells {
			b.WriteString(" ")
			b.WriteString(esc.Replace(strings.TrimSpace(c)))
			b.WriteString(" |")
		}
		b.WriteString("\n")
	}
	for _, r := range t.rules {
		row(r.DataType, r.System, r.Rationale)
		for _, o := range r.Overrides {
			row(r.DataType+": "+strings.Join(o.Fields, ", "), o.System, o.Rationale)
		}
	}
	return b.String()
}
