package prismamigrate

// ChecksumMatches exposes checksumMatches to the tests.
var ChecksumMatches = checksumMatches
