/** How names are compared when a person types them: case and accents ignored ("fete" finds "Fête"). */
export function searchKey(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLocaleLowerCase();
}
