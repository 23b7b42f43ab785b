// The front end's second line of defence for images: the Python side builds and validates every
// image URL, and the view still refuses anything that is not a base64 image data: URL, so a
// tampered or stale model can never make the page fetch a remote URL.

const IMAGE_DATA_URL = /^data:image\/(?:png|jpeg|gif|webp|svg\+xml);base64,[A-Za-z0-9+/]+={0,2}$/;

/**
 * @param {unknown} value
 * @returns {value is string} true for `data:image/<png|jpeg|gif|webp|svg+xml>;base64,...` only
 */
export function isImageDataUrl(value) {
  return typeof value === "string" && IMAGE_DATA_URL.test(value);
}

/**
 * The value if it is a safe image data URL, else "" (meaning: show no image).
 * @param {unknown} value
 */
export function safeImageUrl(value) {
  return isImageDataUrl(value) ? value : "";
}
