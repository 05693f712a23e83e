//go:build race

package journeys

const raceEnabled = true
