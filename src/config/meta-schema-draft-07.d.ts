// Declares the module build-validators.ts generates at build time, beside the compiled code.
import type { ValidateFunction } from 'ajv';

export declare const validate: ValidateFunction;
