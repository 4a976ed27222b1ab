package main

import (
	"github.com/ftpsniff/ftpsniff/capture"
	"github.com/ftpsniff/ftpsniff/decoder"
)

// analyzeFiles opens the capture files (stdin for "-") and analyses them,
// keeping every session in the result when keep is true (cfg.OnSession
// sees them either way). Errors carry their exit status.
func analyzeFiles(files []string, s *streams, af *analysisFlags, cfg decoder.Config, keep bool) (*result, error) {
	src, err := capture.OpenFiles(files, capture.Options{Stdin: s.in})
	if err != nil {
		return nil, fail(exitError, err)
	}
	defer src.Close()
	res, err := analyze(src, af, cfg, keep)
	if err != nil {
		return nil, fail(exitError, err)
	}
	return res, nil
}
