"""requestbot's domain and use cases. Imports only the standard library."""
