package cert

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/signintech/gopdf"
	"github.com/skip2/go-qrcode"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/sfnt"

	"huitong"
	"huitong/store"
)

// PDF renders a certificate as a one-page A4 PDF: the type's title, the
// holder, the data items in the layout's order, the validity, the issuer
// with the seal picture over the date, and a QR code leading to the
// online verification. Any government account may (the holder later too);
// every rendering is audited (cert.pdf).
func (s *Service) PDF(ctx context.Context, id string) ([]byte, error) {
	c, err := s.readable(ctx, id, "cert.pdf")
	if err != nil {
		return nil, err
	}
	var t *huitong.CertType
	err = s.db.View(ctx, func(tx *store.Tx) (err error) {
		t, err = tx.FindCertType(ctx, c.TypeCode)
		return err
	})
	if err != nil {
		return nil, err
	}
	picture, err := s.db.SealPicture(ctx, c.SealID)
	if err != nil {
		return nil, err
	}
	return RenderPDF(c, t, picture, s.VerifyURL(c.ID))
}

// RenderPDF draws the certificate page. t gives labels, order and colour
// (items no longer in the type are printed with their codes); picture is
// the seal's PNG.
func RenderPDF(c *huitong.Certificate, t *huitong.CertType, picture []byte, verifyURL string) ([]byte, error) {
	size := gopdf.PageSizeA4
	if t.Layout.Orientation == "landscape" {
		size = gopdf.PageSizeA4Landscape
	}
	W, H := size.W, size.H
	pdf := &gopdf.GoPdf{}
	pdf.Start(gopdf.Config{PageSize: *size})
	pdf.SetInfo(gopdf.PdfInfo{Title: c.TypeName + " " + c.ID, Author: c.IssuerName, Creator: "huitong", CreationDate: c.IssuedAt})
	// Droid Sans Fallback has no Latin letters or digits: those runs are
	// set in Go Regular (BSD licence, part of golang.org/x/image).
	if err := pdf.AddTTFFontData("cjk", CJKFont); err != nil {
		return nil, fmt.Errorf("cert: pdf font: %w", err)
	}
	if err := pdf.AddTTFFontData("latin", goregular.TTF); err != nil {
		return nil, fmt.Errorf("cert: pdf font: %w", err)
	}
	pdf.AddPage()
	r, g, b := accent(t.Layout.Color)

	// Double border in the accent colour.
	pdf.SetStrokeColor(r, g, b)
	pdf.SetLineWidth(3)
	pdf.RectFromUpperLeftWithStyle(28, 28, W-56, H-56, "D")
	pdf.SetLineWidth(0.8)
	pdf.RectFromUpperLeftWithStyle(36, 36, W-72, H-72, "D")

	title := t.Layout.Title
	if title == "" {
		title = c.TypeName
	}
	pdf.SetTextColor(r, g, b)
	centred(pdf, title, 30, W, 78)
	pdf.SetTextColor(60, 60, 60)
	centred(pdf, "证照编号: "+c.Serial+"    版本: "+fmt.Sprintf("%03d", c.Version), 11, W, 122)

	// Rows: label, value.
	type row struct{ label, value string }
	holderLabel, idLabel := "持证人", "公民身份号码"
	if c.HolderKind == huitong.HolderEntity {
		holderLabel, idLabel = "持证主体", "统一社会信用代码"
	}
	rows := []row{{holderLabel, c.HolderName}, {idLabel, c.HolderID}}
	names := map[string]string{}
	order := t.Layout.Items
	for _, it := range t.Items {
		names[it.Code] = it.Name
		if len(t.Layout.Items) == 0 {
			order = append(order, it.Code)
		}
	}
	printed := map[string]bool{}
	for _, code := range order {
		if v, ok := c.Data[code]; ok && v != "" {
			rows = append(rows, row{names[code], v})
			printed[code] = true
		}
	}
	for code, v := range c.Data { // items dropped from the type since issue
		if !printed[code] && v != "" {
			label := names[code]
			if label == "" {
				label = code
			}
			rows = append(rows, row{label, v})
		}
	}
	validTo := "长期"
	if !c.ValidTo.IsZero() {
		validTo = c.ValidTo.Add(-time.Second).In(chinaTime).Format("2006年01月02日")
	}
	rows = append(rows, row{"有效期限", c.ValidFrom.In(chinaTime).Format("2006年01月02日") + " 至 " + validTo})

	y := 160.0
	labelX, valueX, valueW := 70.0, 190.0, W-70-190
	for _, rw := range rows {
		pdf.SetTextColor(110, 110, 110)
		write(pdf, rw.label, 13, labelX, y)
		pdf.SetTextColor(20, 20, 20)
		for _, line := range wrap(pdf, rw.value, 13, valueW) {
			write(pdf, line, 13, valueX, y)
			y += 20
		}
		pdf.SetStrokeColor(225, 225, 225)
		pdf.SetLineWidth(0.5)
		pdf.Line(labelX, y-3, W-70, y-3)
		y += 10
		if y > H-280 {
			break
		}
	}

	// Issuer and date, the seal over them (bottom right).
	pdf.SetTextColor(20, 20, 20)
	issueDate := c.IssuedAt.In(chinaTime).Format("2006年01月02日")
	right := W - 80
	rightText(pdf, "颁发机构: "+c.IssuerName, 13, right, H-190)
	rightText(pdf, issueDate, 13, right, H-166)
	if len(picture) > 0 {
		holder, err := gopdf.ImageHolderByBytes(picture)
		if err != nil {
			return nil, fmt.Errorf("cert: pdf seal: %w", err)
		}
		if err := pdf.ImageByHolder(holder, right-150, H-250, &gopdf.Rect{W: 120, H: 120}); err != nil {
			return nil, fmt.Errorf("cert: pdf seal: %w", err)
		}
	}

	// QR code to the verification page (bottom left).
	qr, err := qrcode.Encode(verifyURL, qrcode.Medium, 256)
	if err != nil {
		return nil, err
	}
	qh, err := gopdf.ImageHolderByBytes(qr)
	if err != nil {
		return nil, err
	}
	if err := pdf.ImageByHolder(qh, 60, H-250, &gopdf.Rect{W: 100, H: 100}); err != nil {
		return nil, err
	}
	pdf.SetTextColor(90, 90, 90)
	write(pdf, "扫码核验真伪", 9, 80, H-146)

	// Footer: the identifier and how the page was signed.
	pdf.SetTextColor(110, 110, 110)
	centred(pdf, "电子证照标识(GB/T 36904): "+c.ID, 8, W, H-98)
	centred(pdf, "本证照由颁发机构以电子印章("+c.SealID+", SM2/SM3)签发，与纸质证照具有同等效力；请以在线核验结果为准。", 8, W, H-84)
	centred(pdf, "生成时间 "+time.Now().In(chinaTime).Format("2006-01-02 15:04")+"    扫描二维码或访问本平台“证照核验”页面核验", 8, W, H-70)

	var buf bytes.Buffer
	if _, err := pdf.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("cert: pdf: %w", err)
	}
	return buf.Bytes(), nil
}

// run is a stretch of text set in one font.
type run struct {
	font string
	text string
}

// runs splits text into stretches the CJK font has glyphs for and
// stretches it lacks (Latin letters, digits, ASCII punctuation).
func runs(text string) []run {
	f, err := parsedFont()
	var out []run
	var buf sfnt.Buffer
	for _, r := range text {
		font := "latin"
		if err == nil && r > 0x7F {
			if gi, _ := f.GlyphIndex(&buf, r); gi != 0 {
				font = "cjk"
			}
		}
		if n := len(out); n > 0 && out[n-1].font == font {
			out[n-1].text += string(r)
		} else {
			out = append(out, run{font, string(r)})
		}
	}
	return out
}

// width measures text at size in points.
func width(pdf *gopdf.GoPdf, text string, size float64) float64 {
	w := 0.0
	for _, r := range runs(text) {
		pdf.SetFont(r.font, "", size)
		rw, _ := pdf.MeasureTextWidth(r.text)
		w += rw
	}
	return w
}

// write sets text at (x, y), switching fonts between runs.
func write(pdf *gopdf.GoPdf, text string, size, x, y float64) {
	for _, r := range runs(text) {
		pdf.SetFont(r.font, "", size)
		pdf.SetXY(x, y)
		pdf.Cell(nil, r.text)
		rw, _ := pdf.MeasureTextWidth(r.text)
		x += rw
	}
}

// wrap breaks text into lines no wider than max, and at its line breaks
// (a memo item may hold some).
func wrap(pdf *gopdf.GoPdf, text string, size, max float64) []string {
	var lines []string
	line, w := []rune{}, 0.0
	for _, r := range text {
		switch r {
		case '\r':
			continue
		case '\n':
			lines = append(lines, string(line))
			line, w = line[:0], 0
			continue
		case '\t':
			r = ' '
		}
		rw := width(pdf, string(r), size)
		if w+rw > max && len(line) > 0 {
			lines = append(lines, string(line))
			line, w = line[:0], 0
		}
		line = append(line, r)
		w += rw
	}
	return append(lines, string(line))
}

func centred(pdf *gopdf.GoPdf, text string, size, W, y float64) {
	write(pdf, text, size, (W-width(pdf, text, size))/2, y)
}

func rightText(pdf *gopdf.GoPdf, text string, size, right, y float64) {
	write(pdf, text, size, right-width(pdf, text, size), y)
}

// accent parses #RRGGBB, defaulting to a deep red.
func accent(hex string) (uint8, uint8, uint8) {
	if len(hex) == 7 {
		if v, err := strconv.ParseUint(hex[1:], 16, 32); err == nil {
			return uint8(v >> 16), uint8(v >> 8), uint8(v)
		}
	}
	return 0xA3, 0x1F, 0x1F
}
