package monitoring

// ProbeSource exposes the health probe's code to the tests.
const ProbeSource = probeSource
