// Package eval implements `lokaal eval`: it finds labelled items in
// directories (counting clips with crossings, audio with speech labels,
// face images with boxes, face sets with group labels), runs the same
// detector code as the browser over them and reports the scores, so that
// anyone can check lokaal's figures on their own data.
package eval

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/lokaal-nl/lokaal/internal/cli"
	"github.com/lokaal-nl/lokaal/internal/faces"
	"github.com/lokaal-nl/lokaal/wasm/face/cascade"
)

// Report is what Run prints with --json.
type Report struct {
	Counting    []ClipScore     `json:"counting"`
	Audio       []AudioScore    `json:"audio"`
	AudioPooled []AudioScore    `json:"audio_pooled"` // one per file type, so a clip and its MP3 copy are not pooled twice
	Faces       []FaceSetScore  `json:"faces"`
	Fairness    []FairnessScore `json:"fairness"`
	Skipped     []Skipped       `json:"skipped"`
}

// Skipped is a file eval did not score, and why.
type Skipped struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

const usage = `usage: lokaal eval [--json] DIR...

Scores every labelled item found under the directories:
  counting clips  CLIP.mjpeg|.mjpg|.y4m beside NAME.crossings.txt, NAME a prefix of CLIP's name
  speech          FILE.wav|.mp3 beside FILE.scv (TEN-VAD labels)
  face boxes      *.xml in dlib imglab form (<dataset><images><image file=…><box top left width height/>),
                  or *.csv with rows file,x,y,w,h (x,y the top-left corner, optional header row);
                  an image listed with no box (a row "file" or "file,,,,") is a negative
  fairness sets   a folder with labels.csv (file,group[,gender,…]), one face per image`

// Run parses args (without the subcommand name), scores every labelled item
// under the directories and writes a Markdown report, or one JSON object
// with --json, to stdout. A malformed label file is an error.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fl := cli.Flags("eval", usage, stderr)
	asJSON := fl.Bool("json", false, "print one JSON object instead of Markdown")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if fl.NArg() == 0 {
		return fmt.Errorf("eval: no directory given\n%s", usage)
	}
	rep, err := evaluate(ctx, fl.Args())
	if err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(rep)
	}
	return writeMarkdown(stdout, rep)
}

func evaluate(ctx context.Context, dirs []string) (Report, error) {
	rep := Report{Counting: []ClipScore{}, Audio: []AudioScore{}, AudioPooled: []AudioScore{}, Faces: []FaceSetScore{}, Fairness: []FairnessScore{}, Skipped: []Skipped{}}
	var files []string
	for _, d := range dirs {
		err := filepath.WalkDir(d, func(p string, e fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !e.IsDir() {
				files = append(files, p)
			}
			return nil
		})
		if err != nil {
			return rep, err
		}
	}
	sort.Strings(files)
	// A directory with labels.csv is a fairness set: its images are scored
	// through the labels, not one by one.
	var sets []string
	for _, f := range files {
		if filepath.Base(f) == "labels.csv" {
			sets = append(sets, filepath.Dir(f))
		}
	}
	inSet := func(p string) bool {
		for _, s := range sets {
			if strings.HasPrefix(p, s+string(filepath.Separator)) {
				return true
			}
		}
		return false
	}
	has := map[string]bool{}
	for _, f := range files {
		has[f] = true
	}
	used := map[string]bool{}
	var det *cascade.Detector // made at the first face label file
	notLabels := map[string]string{}
	pooled := map[string]*confusion{}
	var exts []string
	for _, f := range files {
		if inSet(f) {
			continue
		}
		switch ext := strings.ToLower(filepath.Ext(f)); ext {
		case ".mjpeg", ".mjpg", ".y4m":
			labels := crossingsFor(f, files)
			if labels == "" {
				rep.Skipped = append(rep.Skipped, Skipped{f, "video without a matching *.crossings.txt"})
				continue
			}
			used[labels] = true
			c, err := readCrossings(labels)
			if err != nil {
				return rep, err
			}
			sc, err := scoreClip(ctx, f, labels, c)
			if err != nil {
				return rep, fmt.Errorf("%s: %w", f, err)
			}
			rep.Counting = append(rep.Counting, sc)
		case ".wav", ".mp3":
			labels := strings.TrimSuffix(f, filepath.Ext(f)) + ".scv"
			if !has[labels] {
				rep.Skipped = append(rep.Skipped, Skipped{f, "audio without a .scv label file"})
				continue
			}
			used[labels] = true
			s, c, err := scoreAudio(ctx, f, labels)
			if err != nil {
				return rep, err
			}
			rep.Audio = append(rep.Audio, s)
			if pooled[ext] == nil {
				pooled[ext] = &confusion{}
				exts = append(exts, ext)
			}
			pooled[ext].add(c)
		case ".xml", ".csv":
			images, format, err := readFaceLabels(f)
			if err == errNotDataset || err == errNotBoxCSV {
				notLabels[f] = err.Error()
				continue
			}
			if err != nil {
				return rep, err
			}
			if det == nil {
				if det, err = faces.NewDetector("", cascade.DefaultParams()); err != nil {
					return rep, err
				}
			}
			used[f] = true
			score, skipped, err := scoreFaceSet(ctx, det, f, format, images)
			if err != nil {
				return rep, err
			}
			for _, im := range score.PerImage {
				used[im.File] = true
			}
			for _, sk := range skipped {
				used[sk.Path] = true // reported with the label file and line
			}
			rep.Faces = append(rep.Faces, score)
			rep.Skipped = append(rep.Skipped, skipped...)
		}
	}
	sort.Strings(exts)
	for _, ext := range exts {
		rep.AudioPooled = append(rep.AudioPooled, newAudioScore("pooled "+ext, "", *pooled[ext]))
	}
	for _, s := range sets {
		f, err := os.Open(filepath.Join(s, "labels.csv"))
		if err != nil {
			return rep, err
		}
		rows, err := parseLabels(f)
		f.Close()
		if err != nil {
			return rep, fmt.Errorf("%s: %w", filepath.Join(s, "labels.csv"), err)
		}
		for i, kind := range FairnessDetectors {
			score, skipped, err := scoreFairness(ctx, s, rows, kind)
			if err != nil {
				return rep, err
			}
			rep.Fairness = append(rep.Fairness, score)
			if i == 0 { // every detector skips the same files
				rep.Skipped = append(rep.Skipped, skipped...)
			}
		}
	}
	for _, f := range files {
		ext := strings.ToLower(filepath.Ext(f))
		if inSet(f) || used[f] || ext == ".mjpeg" || ext == ".mjpg" || ext == ".y4m" || ext == ".wav" || ext == ".mp3" {
			continue
		}
		reason := "not a kind eval understands"
		switch {
		case ext == ".scv" || strings.HasSuffix(f, ".crossings.txt"):
			reason = "labels without a matching recording"
		case notLabels[f] != "":
			reason = notLabels[f]
		case ext == ".jpg" || ext == ".jpeg" || ext == ".png":
			reason = "an image no face label file lists"
		}
		rep.Skipped = append(rep.Skipped, Skipped{f, reason})
	}
	return rep, nil
}

// crossingsFor finds the crossings file in the clip's directory whose name,
// less ".crossings.txt", is the longest prefix of the clip's name followed
// by "-" or "." (one-by-one-640x480-10fps.mjpeg ↔ one-by-one.crossings.txt).
func crossingsFor(clip string, files []string) string {
	dir, base := filepath.Dir(clip), filepath.Base(clip)
	best := ""
	for _, f := range files {
		prefix, ok := strings.CutSuffix(filepath.Base(f), ".crossings.txt")
		if !ok || filepath.Dir(f) != dir || len(base) <= len(prefix) || !strings.HasPrefix(base, prefix) {
			continue
		}
		if next := base[len(prefix)]; (next == '-' || next == '.') && len(f) > len(best) {
			best = f
		}
	}
	return best
}
