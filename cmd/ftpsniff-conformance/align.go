package main

// pair is one step of an alignment: a[a] matched with b[b], or an
// element of one side alone (the other index -1). prevA is, for an
// element of b alone, the index in a of the last element before it.
type pair struct{ a, b, prevA int }

// align lines up two sequences by their longest common subsequence, so
// that one missing or extra element shows as exactly one difference
// instead of shifting everything after it. Elements in the same position
// between two matches (a substitution) are paired with each other.
func align(a, b []string) []pair {
	n, m := len(a), len(b)
	// lcs[i][j] is the LCS length of a[i:] and b[j:].
	lcs := make([][]int32, n+1)
	for i := range lcs {
		lcs[i] = make([]int32, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			switch {
			case a[i] == b[j]:
				lcs[i][j] = lcs[i+1][j+1] + 1
			case lcs[i+1][j] >= lcs[i][j+1]:
				lcs[i][j] = lcs[i+1][j]
			default:
				lcs[i][j] = lcs[i][j+1]
			}
		}
	}
	var out []pair
	var onlyA, onlyB []int
	flush := func() {
		k := 0
		for ; k < len(onlyA) && k < len(onlyB); k++ {
			out = append(out, pair{onlyA[k], onlyB[k], onlyA[k] - 1})
		}
		for _, i := range onlyA[k:] {
			out = append(out, pair{i, -1, i - 1})
		}
		for _, j := range onlyB[k:] {
			prev := -1
			if len(onlyA) > 0 {
				prev = onlyA[len(onlyA)-1]
			} else if len(out) > 0 {
				prev = out[len(out)-1].prevA
				if out[len(out)-1].a >= 0 {
					prev = out[len(out)-1].a
				}
			}
			out = append(out, pair{-1, j, prev})
		}
		onlyA, onlyB = onlyA[:0], onlyB[:0]
	}
	i, j := 0, 0
	for i < n && j < m {
		switch {
		case a[i] == b[j]:
			flush()
			out = append(out, pair{i, j, i - 1})
			i++
			j++
		case lcs[i+1][j] >= lcs[i][j+1]:
			onlyA = append(onlyA, i)
			i++
		default:
			onlyB = append(onlyB, j)
			j++
		}
	}
	for ; i < n; i++ {
		onlyA = append(onlyA, i)
	}
	for ; j < m; j++ {
		onlyB = append(onlyB, j)
	}
	flush()
	return out
}
