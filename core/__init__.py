"""The ground floor: what every stage imports and that imports none of them."""
