package eval

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// writeMarkdown prints the report, one table per kind of item.
func writeMarkdown(w io.Writer, rep Report) error {
	b := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	p("# lokaal eval\n")
	if len(rep.Counting) > 0 {
		p("\n## Counting clips\n\nAccuracy is 1 − |predicted − true| / true per line and direction; where nothing was labelled, every predicted crossing is a false count. Events match one-to-one within ±%g s on the same line and direction; crossings labelled EDGE CASE are listed, not scored.\n", MatchWindow)
		for _, c := range rep.Counting {
			p("\n### %s\n\nlabels %s; %d frames at %g fps (rate from the %s); %.2f ms per frame\n", c.Clip, c.Labels, c.Frames, c.FPS, c.FPSFrom, c.MSPerFrame)
			if c.Mapping != "" {
				p("\n%s.\n", c.Mapping)
			}
			p("\n| line | direction | true | predicted | accuracy | matched | precision | recall |\n|---|---|---:|---:|---:|---:|---:|---:|\n")
			for _, s := range c.Counts {
				acc := fmt.Sprintf("%d false", s.FalseCount)
				if s.Accuracy != nil {
					acc = fmt.Sprintf("%.3f", *s.Accuracy)
				}
				p("| %s | %s | %d | %d | %s | %d | %s | %s |\n", s.Line, s.Dir, s.True, s.Predicted, acc, s.Matched, num(s.Precision), num(s.Recall))
			}
			e := c.Events
			p("\nevents: %d labelled, %d predicted, %d matched; precision %s, recall %s\n", e.True, e.Predicted, e.Matched, num(e.Precision), num(e.Recall))
			for _, x := range c.EdgeCases {
				got := "not predicted"
				if x.Predicted {
					got = "predicted"
				}
				p("- edge case at %.1f s, %s %s (%s): %s\n", x.T, x.Line, x.Dir, got, x.Note)
			}
		}
	}
	if len(rep.Audio) > 0 {
		// MCC beside F1: the labelled sets are mostly speech, so F1 alone
		// flatters a detector that always says "speech" (MCC 0).
		p("\n## Speech\n\nFrame-level speech detection at 10 ms, each frame judged at its centre. MCC is the Matthews correlation (0 for always answering \"speech\").\n\n| file | frames | precision | recall | F1 | MCC | labelled speech | ms per audio s |\n|---|---:|---:|---:|---:|---:|---:|---:|\n")
		for _, s := range rep.Audio {
			p("| %s | %d | %s | %s | %s | %s | %s | %.2f |\n", s.File, s.Frames, num(s.Precision), num(s.Recall), num(s.F1), num(MCC(s.TP, s.FP, s.FN, s.TN)), speechShare(s), s.MSPerAudioS)
		}
		for _, s := range rep.AudioPooled {
			p("| **%s** | %d | %s | %s | %s | %s | %s | |\n", s.File, s.Frames, num(s.Precision), num(s.Recall), num(s.F1), num(MCC(s.TP, s.FP, s.FN, s.TN)), speechShare(s))
		}
	}
	if len(rep.Faces) > 0 {
		writeFaceSets(p, rep.Faces)
	}
	for _, f := range rep.Fairness {
		if f.Detector == "pigo" {
			p("\n## Face detection rate: %s (pigo)\n\nEvery image holds one face; %s (minScore %g, minSize %d, roll %v; when that finds nothing, a second upright pass on a locally equalised frame, shift %g, minScore %g). Intervals are 95 %% Wilson.\n", f.Dir, f.Variant, f.Params.MinScore, f.Params.MinSize, f.Params.Roll, f.Params.Retry.Shift, f.Params.Retry.MinScore)
		} else {
			p("\n## Face detection rate: %s (%s)\n\nEvery image holds one face; %s. Intervals are 95 %% Wilson.\n", f.Dir, f.Detector, f.Variant)
		}
		p("\nmore than one face reported: %d images (%.1f %%)\n", f.Second, 100*f.SecondRate)
		p("\n| group | n | detected | rate | 95 %% CI |\n|---|---:|---:|---:|---|\n")
		for _, r := range f.Groups {
			p("| %s | %d | %d | %.1f %% | %.1f–%.1f %% |\n", r.Group, r.N, r.Detected, 100*r.Rate, 100*r.Lo, 100*r.Hi)
		}
		p("\nlargest gap between groups: %.1f points (%s highest, %s lowest)\n", 100*f.Gap, f.Highest, f.Lowest)
		for _, r := range f.Groups {
			if r.Group == f.Highest || r.Group == f.Lowest {
				p("- %s: %.1f %% (95 %% CI %.1f–%.1f %%)\n", r.Group, 100*r.Rate, 100*r.Lo, 100*r.Hi)
			}
		}
		if len(f.GroupGender) > 0 {
			p("\n| group | gender | n | detected | rate | 95 %% CI |\n|---|---|---:|---:|---:|---|\n")
			for _, r := range f.GroupGender {
				p("| %s | %s | %d | %d | %.1f %% | %.1f–%.1f %% |\n", r.Group, r.Gender, r.N, r.Detected, 100*r.Rate, 100*r.Lo, 100*r.Hi)
			}
			p("\nlargest gap between group × gender cells: %.1f points (%s highest, %s lowest)\n", 100*f.CellGap, f.CellHighest, f.CellLowest)
		}
	}
	if len(rep.Skipped) > 0 {
		p("\n## Skipped\n\n")
		for _, s := range rep.Skipped {
			p("- %s: %s\n", s.Path, strings.ReplaceAll(s.Reason, "\n", " "))
		}
	}
	return b.Flush()
}

// speechShare is the labelled share of speech frames: what "always speech"
// would score as precision.
func speechShare(s AudioScore) string {
	if s.Frames == 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f %%", 100*float64(s.TP+s.FN)/float64(s.Frames))
}

func num(v *float64) string {
	if v == nil {
		return "–"
	}
	return fmt.Sprintf("%.3f", *v)
}

// writeFaceSets prints the face images with boxes, one table per label
// file.
func writeFaceSets(p func(string, ...any), sets []FaceSetScore) {
	f := sets[0]
	pr := f.Params
	p("\n## Face images with boxes\n\n")
	p("The detector runs at the proctor's default parameters (minSize %d, maxSize %d, minScore %g, roll %v; when that finds nothing, a second upright pass on a locally equalised frame, shift %g, minScore %g), on each image at its own size: faces larger than maxSize are not searched. ",
		pr.MinSize, pr.MaxSize, pr.MinScore, pr.Roll, pr.Retry.Shift, pr.Retry.MinScore)
	p("A detection matches a labelled face at IoU ≥ %g, one to one, highest IoU first. An unmatched detection that falls on a don't-care box (IoU ≥ %g with it, or at least half of the box inside the detection) is excused; any other is a false positive. ", f.IoU, f.IoU)
	p("In the ≥ %d px row, faces whose shorter side is under %d px are don't care; boxes marked ignore='1' are don't care in both rows. A negative image is one listed without any box.\n", f.LargePx, f.LargePx)
	for _, f := range sets {
		p("\n### %s\n\n%d images scored, %d of them negative; %.2f ms per image (detection alone, one image at a time)\n", f.Labels, f.Images, f.Negatives, f.MSPerImage)
		p("\n| faces | labelled | matched | missed | false positives | excused | recall | precision |\n|---|---:|---:|---:|---:|---:|---:|---:|\n")
		for _, r := range []struct {
			name string
			c    FaceCounts
		}{{"all", f.All}, {fmt.Sprintf("≥ %d px", f.LargePx), f.Large}} {
			p("| %s | %d | %d | %d | %d | %d | %s | %s |\n", r.name, r.c.Faces, r.c.Matched, r.c.Missed, r.c.False, r.c.Excused, num(r.c.Recall), num(r.c.Precision))
		}
		if f.FPPerNegative != nil {
			p("\nfalse positives per negative image: %.3f (%d on %d images; %d of them with any detection)\n", *f.FPPerNegative, f.NegativeFalse, f.Negatives, f.NegativesWithDetection)
		} else {
			p("\nfalse positives per negative image: – (no negative image)\n")
		}
	}
}
