package crm

import (
	"archive/zip"
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"path"
	"strconv"
	"strings"
	"time"
)

// CSV on both sides of the bulk APIs: reading a downloaded zip's CSV row by
// row, turning rows into Records, and rendering Records as CSV cells.

// errEndOfRows ends a zippedCSV.
var errEndOfRows = errors.New("end of rows")

// zippedCSV reads the first CSV entry of a zip file row by row.
type zippedCSV struct {
	rc io.ReadCloser
	cr *csv.Reader
}

// openZippedCSV opens the first .csv entry of the zip in f (random access
// is what the zip format needs; the entry itself is decompressed as read).
func openZippedCSV(f *os.File, size int64) (*zippedCSV, error) {
	zr, err := zip.NewReader(f, size)
	if err != nil {
		return nil, fmt.Errorf("the result is not a zip file: %w", err)
	}
	for _, e := range zr.File {
		if !strings.EqualFold(path.Ext(e.Name), ".csv") {
			continue
		}
		rc, err := e.Open()
		if err != nil {
			return nil, fmt.Errorf("opening %s in the result zip: %w", e.Name, err)
		}
		cr := csv.NewReader(bufio.NewReaderSize(rc, 64<<10))
		cr.ReuseRecord = true // rows are turned into Records at once
		cr.FieldsPerRecord = 0
		return &zippedCSV{rc: rc, cr: cr}, nil
	}
	return nil, errors.New("the result zip holds no CSV file")
}

// Read returns the next row (valid until the next call), or errEndOfRows.
func (z *zippedCSV) Read() ([]string, error) {
	row, err := z.cr.Read()
	if err == io.EOF {
		return nil, errEndOfRows
	}
	return row, err
}

func (z *zippedCSV) Close() error { return z.rc.Close() }

// csvRecord makes a Record of a CSV row. Empty cells are left out.
func csvRecord(header, cells []string, convert func(field, value string) (any, error)) (Record, error) {
	rec := make(Record, len(header))
	for i, v := range cells {
		if v == "" || i >= len(header) {
			continue
		}
		if convert == nil || header[i] == "id" {
			rec[header[i]] = v
			continue
		}
		cv, err := convert(header[i], v)
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", header[i], err)
		}
		rec[header[i]] = cv
	}
	return rec, nil
}

// TypedValues returns a BulkRead.Convert that types CSV values by the
// module's fields (from Meta.Fields): integers, decimals and currencies
// become json.Number (checked, never through float64), booleans bool,
// lookups and users Lookup-shaped maps {"id": ...}, multi-select picklists
// []any split on ";"; everything else, date-times included, stays a string
// (Record.Time and Record.Date parse them). Fields it does not know stay
// strings.
func TypedValues(fields []FieldInfo) func(field, value string) (any, error) {
	types := make(map[string]FieldInfo, len(fields))
	for _, f := range fields {
		types[f.APIName] = f
	}
	return func(field, value string) (any, error) {
		f, ok := types[field]
		if !ok {
			return value, nil
		}
		switch {
		case f.JSONType == "integer" || f.JSONType == "double" || f.DataType == "currency" ||
			f.DataType == "integer" || f.DataType == "bigint" || f.DataType == "double":
			if _, ok := new(big.Float).SetString(value); !ok {
				return nil, fmt.Errorf("%q is not a number", value)
			}
			return json.Number(value), nil
		case f.JSONType == "boolean" || f.DataType == "boolean":
			b, err := strconv.ParseBool(value)
			if err != nil {
				return nil, fmt.Errorf("%q is not a boolean", value)
			}
			return b, nil
		case f.DataType == "lookup" || f.DataType == "ownerlookup" || f.DataType == "userlookup":
			return map[string]any{"id": value}, nil
		case f.DataType == "multiselectpicklist":
			parts := strings.Split(value, ";")
			out := make([]any, len(parts))
			for i, p := range parts {
				out[i] = p
			}
			return out, nil
		}
		return value, nil
	}
}

// csvCell renders a record value as bulk write wants it in a CSV cell:
// text as is, numbers exactly, date-times with their offset, dates as
// yyyy-MM-dd, lookups and users by id, multi-select values joined with ";",
// nil as "".
func csvCell(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	case json.Number:
		return x.String(), nil
	case bool:
		return strconv.FormatBool(x), nil
	case int:
		return strconv.Itoa(x), nil
	case int32:
		return strconv.FormatInt(int64(x), 10), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case uint64:
		return strconv.FormatUint(x, 10), nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	case float32:
		return strconv.FormatFloat(float64(x), 'f', -1, 32), nil
	case time.Time:
		return FormatTime(x), nil
	case Time:
		return x.String(), nil
	case Date:
		return x.String(), nil
	case Lookup:
		return x.ID, nil
	case *Lookup:
		if x == nil {
			return "", nil
		}
		return x.ID, nil
	case UserLookup:
		return x.ID, nil
	case map[string]any:
		if id := idString(x["id"]); id != "" {
			return id, nil
		}
		return "", errors.New("an object value needs an id (a lookup)")
	case []string:
		return joinMulti(x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			s, err := csvCell(e)
			if err != nil {
				return "", err
			}
			parts[i] = s
		}
		return joinMulti(parts)
	}
	return "", fmt.Errorf("a %T cannot be written to a CSV cell", v)
}

func joinMulti(parts []string) (string, error) {
	for _, p := range parts {
		if strings.Contains(p, ";") {
			return "", fmt.Errorf("multi-select value %q contains ';', Zoho's separator", p)
		}
	}
	return strings.Join(parts, ";"), nil
}
