"""Theory: closed forms and message passing the talks compare simulations with."""
