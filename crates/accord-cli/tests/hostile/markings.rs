//! Markings fail closed: every STIX 2.1 marking form is parsed, and what the hub cannot
//! enforce is refused; incidents and requests keep the TLP their envelope states.
