export declare const distDirectory: string;
export declare function distState(): 'fresh' | 'missing' | 'stale';
export declare function buildDist(): Promise<void>;
export declare function buildDistIfNeeded(): Promise<boolean>;
