"""Pure text and number work for reviews (no Django): spike statistics, reply prompts and checks."""
