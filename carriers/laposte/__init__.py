"""`laposte`: La Poste's Suivi v2 API (La Poste, Colissimo and Chronopost numbers; JSON, API key), polled."""
