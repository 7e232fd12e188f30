package exchange

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	"huitong"
	"huitong/store"
)

// Export formats.
const (
	FormatCSV  = "csv"
	FormatJSON = "json"
)

// Export streams the granted items of every subject of grant id within its
// jurisdiction, as CSV (a header of item keys after "key"; UTF-8 with a
// byte-order mark so spreadsheet programs read the Chinese) or as one JSON
// document {"grant", "resource", "items", "records": [{"key", "data"}...],
// "count"}. Sensitive items are masked unless the grant has them plain.
// Rows are read and written one at a time, so memory stays flat whatever
// the size of the resource.
//
// The grant must have the export use (allowed only where the resource's
// share methods include download, copy or system integration). An
// "exchange.export" entry is committed before the first byte; a closing
// "exchange.export.done" entry records the count and indexes every subject
// exported, so each subject's data-use record shows the export. start is
// called once the export may begin and returns where to write.
func (s *Service) Export(ctx context.Context, id int64, format string, q Query, start func(contentType string) io.Writer) (int, error) {
	p := huitong.PrincipalFrom(ctx)
	u := &use{s: s, p: p, q: &q, action: ActExport, now: s.clock.Now(), started: time.Now()}
	if p == nil {
		return 0, u.refused(ctx, refuse(huitong.EUNAUTHORIZED, "auth.required", "需要身份凭证"), "", "")
	}
	if format != FormatCSV && format != FormatJSON {
		return 0, u.refused(ctx, refuse(huitong.EINVALID, "format.enum", "format 应为 csv 或 json"), "", "")
	}
	if err := checkPurpose(&q); err != nil {
		return 0, u.refused(ctx, err, "", "")
	}
	g, err := s.db.FindGrant(ctx, id)
	if err != nil || !actsFor(p, g.Consumer) {
		return 0, u.refused(ctx, refuse(huitong.EFORBIDDEN, "grant.none", "本部门没有共享授权 %d", id), "", "")
	}
	q.Resource = g.Resource
	res, err := s.published(ctx, g.Resource)
	if err != nil {
		return 0, u.refused(ctx, err, "", "")
	}
	u.res = res
	if g, err = s.chooseGrant(ctx, p, res, id, huitong.UseExport, nil); err != nil {
		return 0, u.refused(ctx, err, "", "")
	}
	u.grant, u.items = g, g.Items
	if !slices.ContainsFunc(res.ShareMethods, func(m huitong.ShareMethod) bool { return slices.Contains(exportMethods, m) }) || res.Mount.Kind != huitong.MountTable {
		return 0, u.refused(ctx, refuse(huitong.EFORBIDDEN, "export.method", "资源 %s 的共享方式或挂接方式不允许批量导出", res.Code), "", "")
	}
	if ok, wait := s.limits.allowRate(g, u.now); !ok {
		return 0, u.refused(ctx, &rateError{err: refuse(huitong.ERATELIMIT, "rate.limit", "共享授权 %d 限速", g.ID), retry: wait}, "", "")
	}
	begin := u.entry("", "", "ok", map[string]any{"format": format, "jurisdiction": g.Jurisdiction})
	if err := s.journal.append(ctx, &appendReq{entries: []*huitong.AuditEntry{begin}}); err != nil {
		return 0, fmt.Errorf("exchange: audit: %w", err)
	}

	w := start(map[string]string{FormatCSV: "text/csv; charset=utf-8", FormatJSON: "application/json; charset=utf-8"}[format])
	bw := bufio.NewWriterSize(w, 64<<10)
	var subjects []string
	n := 0
	var cw *csv.Writer
	if format == FormatCSV {
		bw.WriteString("\ufeff")
		cw = csv.NewWriter(bw)
		cw.Write(append([]string{"key"}, g.Items...))
	} else {
		head, _ := json.Marshal(map[string]any{"grant": g.ID, "resource": res.Code, "items": g.Items})
		bw.Write(head[:len(head)-1])
		bw.WriteString(`,"records":[`)
	}
	row := make([]string, len(g.Items)+1)
	var data map[string]string
	scanErr := s.db.ScanRecords(ctx, res.Code, func(key string, raw []byte) error {
		if !inScope(g, res, keyJurisdiction(res, key)) {
			return nil
		}
		clear(data)
		if err := json.Unmarshal(raw, &data); err != nil {
			return fmt.Errorf("record %s: %w", maskKey(res, key), err)
		}
		vals := project(res, data, g.Items, g.PlainItems)
		if cw != nil {
			row[0] = key
			for i, k := range g.Items {
				row[i+1] = csvSafe(vals[k])
			}
			if err := cw.Write(row); err != nil {
				return err
			}
		} else {
			if n > 0 {
				bw.WriteByte(',')
			}
			b, _ := json.Marshal(struct {
				Key  string            `json:"key"`
				Data map[string]string `json:"data"`
			}{key, vals})
			if _, err := bw.Write(b); err != nil {
				return err
			}
		}
		h, err := s.SubjectHash(ctx, key)
		if err != nil {
			return err
		}
		subjects = append(subjects, h)
		n++
		return nil
	})
	if cw != nil {
		cw.Flush()
		scanErr = firstErr(scanErr, cw.Error())
	} else if scanErr == nil {
		bw.WriteString(`],"count":` + strconv.Itoa(n) + "}\n")
	}
	scanErr = firstErr(scanErr, bw.Flush())

	result := "ok"
	extra := map[string]any{"format": format, "count": n, "begin": fmt.Sprintf("%s/%d", begin.Chain, begin.Seq)}
	if scanErr != nil {
		result, extra["reason"] = "failed", "export.interrupted"
	}
	u.action = ActExportEnd
	done := u.entry("", "", result, extra)
	err = s.db.Update(context.WithoutCancel(ctx), func(tx *store.Tx) error {
		if err := tx.AppendAuditBatch(ctx, []*huitong.AuditEntry{done}, nil); err != nil {
			return err
		}
		if err := tx.IndexAuditSubjects(ctx, done.Chain, done.Seq, subjects); err != nil {
			return err
		}
		return tx.AddGrantUsage(ctx, g.ID, day(u.now), n)
	})
	if err != nil {
		s.log.Error("audit export end", "grant", g.ID, "rows", n, "err", err)
	}
	if scanErr != nil {
		return n, fmt.Errorf("exchange: export grant %d: %w", g.ID, scanErr)
	}
	return n, err
}

// csvSafe keeps a value from being read as a formula by spreadsheet
// programs (CSV injection): a leading =, +, @, tab or carriage return, or
// a '-' not starting a number, gets a leading apostrophe.
func csvSafe(v string) string {
	if v == "" {
		return v
	}
	switch v[0] {
	case '=', '+', '@', '\t', '\r':
		return "'" + v
	case '-':
		if _, err := strconv.ParseFloat(v, 64); err != nil {
			return "'" + v
		}
	}
	return v
}
