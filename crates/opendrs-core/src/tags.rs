//! Job tags (the v5 tag APIs): validation, wire types and the tag store contract.
