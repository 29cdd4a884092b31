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
			p("\n| line | direction | true | predicted | accuracy |\n|---|---|---:|---:|---:|\n")
			for _, s := range c.Counts {
				acc := fmt.Sprintf("%d false", s.FalseCount)
				if s.Accuracy != nil {
					acc = fmt.Sprintf("%.3f", *s.Accuracy)
				}
				p("| %s | %s | %d | %d | %s |\n", s.Line, s.Dir, s.True, s.Predicted, acc)
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
		p("\n## Speech\n\nFrame-level speech detection at 10 ms, each frame judged at its centre.\n\n| file | frames | precision | recall | F1 | ms per audio s |\n|---|---:|---:|---:|---:|---:|\n")
		for _, s := range rep.Audio {
			p("| %s | %d | %s | %s | %s | %.2f |\n", s.File, s.Frames, num(s.Precision), num(s.Recall), num(s.F1), s.MSPerAudioS)
		}
		for _, s := range rep.AudioPooled {
			p("| **%s** | %d | %s | %s | %s | |\n", s.File, s.Frames, num(s.Precision), num(s.Recall), num(s.F1))
		}
	}
	for _, f := range rep.Fairness {
		p("\n## Face detection rate: %s\n\nEvery image holds one face; %s (minScore %g, minSize %d, roll %v; when that finds nothing, a second upright pass on a locally equalised frame, shift %g, minScore %g). Intervals are 95 %% Wilson.\n", f.Dir, f.Variant, f.Params.MinScore, f.Params.MinSize, f.Params.Roll, f.Params.Retry.Shift, f.Params.Retry.MinScore)
		p("\n| group | n | detected | rate | 95 %% CI |\n|---|---:|---:|---:|---|\n")
		for _, r := range f.Groups {
			p("| %s | %d | %d | %.1f %% | %.1f–%.1f %% |\n", r.Group, r.N, r.Detected, 100*r.Rate, 100*r.Lo, 100*r.Hi)
		}
		p("\nlargest gap between groups: %.1f points (%s highest, %s lowest)\n", 100*f.Gap, f.Highest, f.Lowest)
		if len(f.GroupGender) > 0 {
			p("\n| group | gender | n | detected | rate | 95 %% CI |\n|---|---|---:|---:|---:|---|\n")
			for _, r := range f.GroupGender {
				p("| %s | %s | %d | %d | %.1f %% | %.1f–%.1f %% |\n", r.Group, r.Gender, r.N, r.Detected, 100*r.Rate, 100*r.Lo, 100*r.Hi)
			}
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

func num(v *float64) string {
	if v == nil {
		return "–"
	}
	return fmt.Sprintf("%.3f", *v)
}
