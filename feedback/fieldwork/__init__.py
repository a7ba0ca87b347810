"""Running a round: public links and posters, kiosks, one-time access codes, the paper version
and paper data entry, and the live fieldwork count (pages under /skjema/<round>/)."""
