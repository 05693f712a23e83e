//go:build !race

package journeys

const raceEnabled = false
