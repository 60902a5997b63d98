"""The DA Hub's virtual responses (video or phone, with consent) and the Hub's weekly figures."""
