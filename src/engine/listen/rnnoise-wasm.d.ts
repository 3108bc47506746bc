// The part of @echogarden/rnnoise-wasm's Emscripten module that noise-suppression.ts uses (the package
// ships no types). Pointers are byte offsets into the module's memory; HEAPF32 is replaced when it grows.
declare module '@echogarden/rnnoise-wasm' {
  export interface RnnoiseModule {
    readonly HEAPF32: Float32Array;
    _rnnoise_get_frame_size(): number;
    /** A denoiser state with the built-in model (model pointer 0). */
    _rnnoise_create(model: number): number;
    _rnnoise_destroy(state: number): void;
    /** Denoises one frame of float samples on the 16-bit scale; returns the frame's speech probability. */
    _rnnoise_process_frame(state: number, out: number, input: number): number;
    _malloc(bytes: number): number;
    _free(pointer: number): void;
  }
  export default function RNNoise(options?: Record<string, unknown>): Promise<RnnoiseModule>;
}
