package ingest

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"huitong"
)

// ExportRejects writes the rejected rows of batch id as a file to correct
// and deliver again: format "csv" (UTF-8 with BOM, so Excel opens it
// right) or "xlsx". Each rejected row comes once, with the batch's columns
// as delivered and a last column 错误说明 listing what is wrong; the xlsx
// file has a second sheet with every reject (row, item, rule, value,
// message). Provider's staff only, like Rejects. Values that a spreadsheet
// would run as a formula are prefixed with ' in the CSV file.
func (s *Service) ExportRejects(ctx context.Context, id int64, format string, w io.Writer) error {
	if err := s.canSeeRejects(ctx, id); err != nil {
		return err
	}
	b, err := s.db.FindBatch(ctx, id)
	if err != nil {
		return err
	}
	header := append([]string{"行号"}, b.Report.Columns...)
	header = append(header, "错误说明")
	switch format {
	case "csv":
		bw := bufio.NewWriter(w)
		bw.WriteString("\uFEFF")
		cw := csv.NewWriter(bw)
		cw.UseCRLF = true
		if err := cw.Write(header); err != nil {
			return err
		}
		err := s.eachRejectedRow(ctx, b, func(row []string) error { return cw.Write(defuse(row)) })
		if err != nil {
			return err
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return err
		}
		return bw.Flush()
	case "xlsx":
		return s.exportXLSX(ctx, b, header, w)
	}
	var v huitong.Validation
	v.Add("format", "enum", "导出格式应为 csv 或 xlsx")
	return v.Err()
}

// eachRejectedRow groups the stored rejects (severity reject) of b by row,
// in order, and calls fn with the row's cells and the messages.
func (s *Service) eachRejectedRow(ctx context.Context, b *huitong.Batch, fn func(row []string) error) error {
	var cur int
	var cells []string
	var msgs []string
	flush := func() error {
		if cur == 0 {
			return nil
		}
		row := make([]string, 0, len(b.Report.Columns)+2)
		row = append(row, strconv.Itoa(cur))
		for i := range b.Report.Columns {
			v := ""
			if i < len(cells) {
				v = cells[i]
			}
			row = append(row, v)
		}
		return fn(append(row, strings.Join(msgs, "；")))
	}
	err := s.db.EachReject(ctx, b.ID, huitong.SeverityReject, func(r huitong.Reject) error {
		if r.Row != cur {
			if err := flush(); err != nil {
				return err
			}
			cur, cells, msgs = r.Row, nil, nil
		}
		if r.Cells != nil {
			cells = r.Cells
		}
		m := r.Message
		if r.Item != "" && !strings.HasPrefix(m, r.Item) {
			m = r.Item + ": " + m
		}
		msgs = append(msgs, fmt.Sprintf("%s [%s]", m, r.Rule))
		return nil
	})
	if err != nil {
		return err
	}
	return flush()
}

// defuse keeps spreadsheets from running a cell as a formula (CSV
// injection): text starting with = + - @ or a tab gets a leading '.
// Plain numbers such as -12.5 are left alone.
func defuse(row []string) []string {
	for i, v := range row {
		if v == "" || !strings.ContainsRune("=+-@\t\r", rune(v[0])) {
			continue
		}
		if _, err := strconv.ParseFloat(v, 64); err == nil {
			continue
		}
		row[i] = "'" + v
	}
	return row
}

func (s *Service) exportXLSX(ctx context.Context, b *huitong.Batch, header []string, w io.Writer) error {
	f := excelize.NewFile()
	defer f.Close()
	const rowsSheet, detailSheet = "退回数据", "错误明细"
	if err := f.SetSheetName("Sheet1", rowsSheet); err != nil {
		return err
	}
	if _, err := f.NewSheet(detailSheet); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(rowsSheet)
	if err != nil {
		return err
	}
	n := 1
	put := func(sw *excelize.StreamWriter, row []string) error {
		vals := make([]any, len(row))
		for i, v := range row {
			vals[i] = v // strings stay text: Excel never evaluates them
		}
		cell, _ := excelize.CoordinatesToCellName(1, n)
		n++
		return sw.SetRow(cell, vals)
	}
	if err := put(sw, header); err != nil {
		return err
	}
	if err := s.eachRejectedRow(ctx, b, func(row []string) error { return put(sw, row) }); err != nil {
		return err
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	if sw, err = f.NewStreamWriter(detailSheet); err != nil {
		return err
	}
	n = 1
	if err := put(sw, []string{"行号", "信息项", "规则", "取值", "说明", "级别"}); err != nil {
		return err
	}
	err = s.db.EachReject(ctx, b.ID, "", func(r huitong.Reject) error {
		level := "拒收"
		if r.Severity == huitong.SeverityWarning {
			level = "警告"
		}
		return put(sw, []string{strconv.Itoa(r.Row), r.Item, r.Rule, r.Value, r.Message, level})
	})
	if err != nil {
		return err
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return f.Write(w)
}
