// Pure: removes secrets that appear inside free text (messages, error texts).

const credentialsInUrl = /(\b[a-z][a-z0-9+.-]*:\/\/)([^:@/\s]+):([^@/\s]+)@/gi;
const bearer = /\b(bearer|basic)\s+[a-z0-9._~+/=-]+/gi;
const passwordAssignment = /\b(password|passwd|pwd)=([^\s&;]+)/gi;
// 13–19 digits, optionally grouped by spaces or dashes: the shape of a card number (PAN).
const cardNumber = /\b(?:\d[ -]?){12,18}\d\b/g;

export function scrubSecrets(text: string): string {
  return text
    .replace(credentialsInUrl, '$1$2:[REDACTED]@')
    .replace(bearer, '$1 [REDACTED]')
    .replace(passwordAssignment, '$1=[REDACTED]')
    .replace(cardNumber, (match) => (luhnValid(match.replace(/\D/g, '')) ? '[REDACTED-PAN]' : match));
}

/** Card numbers pass the Luhn check; most other long digit runs (ids, timestamps) do not. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return digits.length >= 13 && sum % 10 === 0;
}
