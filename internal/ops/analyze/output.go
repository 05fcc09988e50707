package analyze

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"text/tabwriter"
	"time"
)

// Format is an output format.
type Format int

// The formats.
const (
	FormatTable Format = iota
	FormatJSON
	FormatCSV
)

// writeTable writes t in the format.
func writeTable(w io.Writer, t Table, f Format) error {
	switch f {
	case FormatJSON:
		return writeJSON(w, t)
	case FormatCSV:
		cw := csv.NewWriter(w)
		cw.Write(t.Columns)
		for _, row := range t.Rows {
			rec := make([]string, len(row))
			for i, c := range row {
				rec[i] = formatCell(c)
			}
			cw.Write(rec)
		}
		cw.Flush()
		return cw.Error()
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for i, c := range t.Columns {
		if i > 0 {
			io.WriteString(tw, "\t")
		}
		io.WriteString(tw, c)
	}
	io.WriteString(tw, "\n")
	for _, row := range t.Rows {
		for i, c := range row {
			if i > 0 {
				io.WriteString(tw, "\t")
			}
			io.WriteString(tw, formatCell(c))
		}
		io.WriteString(tw, "\n")
	}
	return tw.Flush()
}

// writeJSON writes t as an array of objects whose keys are the columns, in
// column order; numbers stay numbers and times are RFC 3339.
func writeJSON(w io.Writer, t Table) error {
	rows := make([]json.RawMessage, 0, len(t.Rows))
	for _, row := range t.Rows {
		b := []byte{'{'}
		for i, c := range row {
			if i > 0 {
				b = append(b, ',')
			}
			k, _ := json.Marshal(t.Columns[i])
			b = append(b, k...)
			b = append(b, ':')
			if tm, ok := c.(time.Time); ok {
				c = tm.UTC().Format(time.RFC3339)
			}
			v, err := json.Marshal(c)
			if err != nil {
				return err
			}
			b = append(b, v...)
		}
		rows = append(rows, append(b, '}'))
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rows)
}
