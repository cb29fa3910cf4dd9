"""Comments in: read files and database tables, check them against the input contract, quarantine what fails."""
