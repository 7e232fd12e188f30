package cert

import (
	"bytes"
	_ "embed"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"sync"

	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"
)

// CJKFont is Droid Sans Fallback (Apache 2.0, see font/NOTICE), embedded so
// that PDFs and seal pictures render Chinese on any machine.
//
//go:embed font/DroidSansFallbackFull.ttf
var CJKFont []byte

// parsedFont is CJKFont parsed once, read-only afterwards.
var parsedFont = sync.OnceValues(func() (*sfnt.Font, error) { return sfnt.Parse(CJKFont) })

// sealRed is the vermilion of official seals.
var sealRed = color.NRGBA{R: 0xD9, G: 0x1E, B: 0x18, A: 0xFF}

// SealPictureSize is the width and height of seal pictures in pixels (a
// 40 mm seal at about 250 dpi).
const SealPictureSize = 400

// SealPicture draws a round red seal as a PNG with a transparent
// background: a double ring, the department's name along the upper arc, a
// five-pointed star in the middle and the caption (e.g. 电子证照专用章)
// under it, after the pattern of Chinese official seals.
func SealPicture(department, caption string) ([]byte, error) {
	f, err := parsedFont()
	if err != nil {
		return nil, fmt.Errorf("cert: font: %w", err)
	}
	const n = SealPictureSize
	c := float64(n) / 2
	img := image.NewNRGBA(image.Rect(0, 0, n, n))
	ring(img, c, c, c-6, 14)

	r := vector.NewRasterizer(n, n)
	star(r, c, c, n*0.15)
	name := []rune(department)
	if len(name) > 0 {
		size := math.Min(46, 2*math.Pi*(c-50)*0.68/float64(len(name)))
		span := math.Min(260, float64(len(name))*size*1.12/(c-50)*180/math.Pi) * math.Pi / 180
		for i, ch := range name {
			theta := -math.Pi/2 - span/2 + (float64(i)+0.5)*span/float64(len(name))
			x, y := c+(c-50)*math.Cos(theta), c+(c-50)*math.Sin(theta)
			if err := glyph(r, f, ch, size, x, y, theta+math.Pi/2); err != nil {
				return nil, err
			}
		}
	}
	if capt := []rune(caption); len(capt) > 0 {
		size := math.Min(34, (n*0.62)/float64(len(capt)))
		for i, ch := range capt {
			x := c - float64(len(capt))*size/2 + (float64(i)+0.5)*size
			if err := glyph(r, f, ch, size, x, c+n*0.27, 0); err != nil {
				return nil, err
			}
		}
	}
	r.Draw(img, img.Bounds(), image.NewUniform(sealRed), image.Point{})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ring paints an anti-aliased ring of outer radius R and width w.
func ring(img *image.NRGBA, cx, cy, R, w float64) {
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			d := math.Hypot(float64(x)+0.5-cx, float64(y)+0.5-cy)
			cov := math.Min(math.Max(R-d+0.5, 0), 1) * math.Min(math.Max(d-(R-w)+0.5, 0), 1)
			if cov > 0 {
				img.SetNRGBA(x, y, color.NRGBA{sealRed.R, sealRed.G, sealRed.B, uint8(cov * 255)})
			}
		}
	}
}

// star adds a five-pointed star of outer radius R centred at (cx, cy).
func star(r *vector.Rasterizer, cx, cy, R float64) {
	inner := R * 0.382
	for i := range 10 {
		rad := R
		if i%2 == 1 {
			rad = inner
		}
		a := -math.Pi/2 + float64(i)*math.Pi/5
		x, y := float32(cx+rad*math.Cos(a)), float32(cy+rad*math.Sin(a))
		if i == 0 {
			r.MoveTo(x, y)
		} else {
			r.LineTo(x, y)
		}
	}
	r.ClosePath()
}

// glyph adds ch at size pixels, centred on (x, y) and turned clockwise by
// phi radians, to r.
func glyph(r *vector.Rasterizer, f *sfnt.Font, ch rune, size, x, y, phi float64) error {
	var buf sfnt.Buffer
	gi, err := f.GlyphIndex(&buf, ch)
	if err != nil || gi == 0 {
		return nil // not in the font: leave a gap rather than fail the seal
	}
	ppem := fixed.Int26_6(size * 64)
	segs, err := f.LoadGlyph(&buf, gi, ppem, nil)
	if err != nil {
		return fmt.Errorf("cert: glyph %q: %w", ch, err)
	}
	adv, err := f.GlyphAdvance(&buf, gi, ppem, 0)
	if err != nil {
		return fmt.Errorf("cert: glyph %q: %w", ch, err)
	}
	sin, cos := math.Sincos(phi)
	dx, dy := -float64(adv)/128, size*0.38 // centre the em box on the origin
	pt := func(p fixed.Point26_6) (float32, float32) {
		px, py := float64(p.X)/64+dx, float64(p.Y)/64+dy
		return float32(x + px*cos - py*sin), float32(y + px*sin + py*cos)
	}
	for _, s := range segs {
		switch s.Op {
		case sfnt.SegmentOpMoveTo:
			r.MoveTo(pt(s.Args[0]))
		case sfnt.SegmentOpLineTo:
			r.LineTo(pt(s.Args[0]))
		case sfnt.SegmentOpQuadTo:
			x1, y1 := pt(s.Args[0])
			x2, y2 := pt(s.Args[1])
			r.QuadTo(x1, y1, x2, y2)
		case sfnt.SegmentOpCubeTo:
			x1, y1 := pt(s.Args[0])
			x2, y2 := pt(s.Args[1])
			x3, y3 := pt(s.Args[2])
			r.CubeTo(x1, y1, x2, y2, x3, y3)
		}
	}
	r.ClosePath()
	return nil
}
