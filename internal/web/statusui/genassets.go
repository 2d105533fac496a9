//go:build ignore

// genassets draws the UI's images (our own artwork: a rounded tile holding
// three process bars, and round state dots) and writes them to
// assets/images. Run it from this directory with `go run genassets.go`
// after changing the drawing; the outputs are committed and embedded.
package main

import (
	"image"
	"image/color"
	"image/color/palette"
	"image/draw"
	"image/gif"
	"image/png"
	"log"
	"math"
	"os"
	"path/filepath"
)

var (
	tileBlue = color.NRGBA{0x25, 0x63, 0xeb, 0xff}
	white    = color.NRGBA{0xff, 0xff, 0xff, 0xff}
	green    = color.NRGBA{0x22, 0xc5, 0x5e, 0xff}
	amber    = color.NRGBA{0xf5, 0x9e, 0x0b, 0xff}
	red      = color.NRGBA{0xef, 0x44, 0x44, 0xff}
	grey     = color.NRGBA{0x94, 0xa3, 0xb8, 0xff}
	ruleGrey = color.NRGBA{0xdd, 0xe3, 0xea, 0xff}
)

// coverage returns how much of the pixel (x, y) lies inside shape,
// sampled on a 4x4 grid, for smooth edges.
func coverage(x, y int, inside func(fx, fy float64) bool) float64 {
	n := 0
	for i := range 4 {
		for j := range 4 {
			if inside(float64(x)+(float64(i)+.5)/4, float64(y)+(float64(j)+.5)/4) {
				n++
			}
		}
	}
	return float64(n) / 16
}

func paint(img *image.NRGBA, c color.NRGBA, inside func(fx, fy float64) bool) {
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			a := coverage(x, y, inside)
			if a == 0 {
				continue
			}
			under := img.NRGBAAt(x, y)
			img.SetNRGBA(x, y, blend(under, c, a))
		}
	}
}

// blend puts c with opacity a over under ("over" compositing).
func blend(under, c color.NRGBA, a float64) color.NRGBA {
	ua := float64(under.A) / 255
	outA := a + ua*(1-a)
	if outA == 0 {
		return color.NRGBA{}
	}
	mix := func(cc, uc uint8) uint8 {
		return uint8(math.Round((float64(cc)*a + float64(uc)*ua*(1-a)) / outA))
	}
	return color.NRGBA{mix(c.R, under.R), mix(c.G, under.G), mix(c.B, under.B), uint8(math.Round(outA * 255))}
}

func roundRect(x0, y0, x1, y1, r float64) func(fx, fy float64) bool {
	return func(fx, fy float64) bool {
		if fx < x0 || fx > x1 || fy < y0 || fy > y1 {
			return false
		}
		cx := math.Max(x0+r, math.Min(fx, x1-r))
		cy := math.Max(y0+r, math.Min(fy, y1-r))
		return math.Hypot(fx-cx, fy-cy) <= r
	}
}

func circle(cx, cy, r float64) func(fx, fy float64) bool {
	return func(fx, fy float64) bool { return math.Hypot(fx-cx, fy-cy) <= r }
}

// logo draws the tile at size s: three bars, the first with a green dot.
func logo(s int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, s, s))
	f := float64(s) / 32
	paint(img, tileBlue, roundRect(0, 0, float64(s), float64(s), 7*f))
	for i, dot := range []color.NRGBA{green, white, white} {
		y := (8 + float64(i)*6.5) * f
		paint(img, dot, circle(9*f, y+1.5*f, 2.2*f))
		paint(img, white, roundRect(13.5*f, y, 25*f, y+3*f, 1.5*f))
	}
	return img
}

func dot(c color.NRGBA) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, 12, 12))
	paint(img, c, circle(6, 6, 5))
	return img
}

func writePNG(path string, img image.Image) {
	f, err := os.Create(path)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		log.Fatal(err)
	}
}

// writeGIF quantises img to the web-safe palette plus a transparent entry
// (GIF has no partial transparency: faint edge pixels become transparent).
func writeGIF(path string, img *image.NRGBA) {
	pal := append(color.Palette{color.NRGBA{}}, palette.WebSafe...)
	out := image.NewPaletted(img.Bounds(), pal)
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := img.NRGBAAt(x, y)
			if c.A < 128 {
				out.SetColorIndex(x, y, 0)
				continue
			}
			c.A = 0xff
			out.SetColorIndex(x, y, uint8(1+color.Palette(palette.WebSafe).Index(c)))
		}
	}
	f, err := os.Create(path)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	if err := gif.Encode(f, out, nil); err != nil {
		log.Fatal(err)
	}
}

func main() {
	dir := filepath.Join("assets", "images")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		log.Fatal(err)
	}
	writePNG(filepath.Join(dir, "icon.png"), logo(32))
	writeGIF(filepath.Join(dir, "supervisor.gif"), logo(64))
	rule := image.NewNRGBA(image.Rect(0, 0, 1, 1))
	draw.Draw(rule, rule.Bounds(), image.NewUniform(ruleGrey), image.Point{}, draw.Src)
	writeGIF(filepath.Join(dir, "rule.gif"), rule)
	for i, c := range []color.NRGBA{grey, green, amber, red} {
		writeGIF(filepath.Join(dir, "state"+string(rune('0'+i))+".gif"), dot(c))
	}
}
