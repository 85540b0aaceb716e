package pgtest

// TemplateDir is the cluster template the server was copied from.
func (s *Server) TemplateDir() (string, error) { return s.template() }
