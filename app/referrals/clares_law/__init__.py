"""Clare's Law (the Domestic Violence Disclosure Scheme): Right to Ask and Right to Know cases."""
