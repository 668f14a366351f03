export * from './common'
export * from './identity'
export * from './projects'
export * from './work'
