/** SALLY_BASE_PATH as the server wrote it into the page (`<meta name="sally-base">`), e.g. '' or '/api'. */
export const basePath: string = document.querySelector('meta[name="sally-base"]')?.getAttribute('content') ?? ''
