// Window/level and colour map for decoded MR intensities.
//
// The decoded frame is an r32float texture the size of the canvas (one texel per display pixel:
// the decoder already worked at that resolution), so the shader only maps intensities to
// colours; changing the window never re-decodes. NaN marks display pixels outside the slice.

struct Params {
    // Window centre and width in scanner units.
    center: f32,
    width: f32,
    // 0: grey, 1: hot (black–red–yellow–white).
    colormap: u32,
    _pad: u32,
};

@group(0) @binding(0) var frame: texture_2d<f32>;
@group(0) @binding(1) var<uniform> params: Params;

// One triangle that covers the viewport.
@vertex
fn vs_main(@builtin(vertex_index) i: u32) -> @builtin(position) vec4<f32> {
    let x = f32(i32(i & 1u) * 4 - 1);
    let y = f32(i32(i >> 1u) * 4 - 1);
    return vec4<f32>(x, y, 0.0, 1.0);
}

fn is_nan(v: f32) -> bool {
    // Compilers may fold `v != v`; the bit pattern cannot be folded.
    return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u;
}

fn hot(t: f32) -> vec3<f32> {
    return clamp(vec3<f32>(3.0 * t, 3.0 * t - 1.0, 3.0 * t - 2.0), vec3<f32>(0.0), vec3<f32>(1.0));
}

@fragment
fn fs_main(@builtin(position) pos: vec4<f32>) -> @location(0) vec4<f32> {
    let v = textureLoad(frame, vec2<i32>(pos.xy), 0).r;
    if (is_nan(v)) {
        return vec4<f32>(0.067, 0.067, 0.067, 1.0);
    }
    let t = clamp((v - (params.center - 0.5 * params.width)) / params.width, 0.0, 1.0);
    if (params.colormap == 1u) {
        return vec4<f32>(hot(t), 1.0);
    }
    return vec4<f32>(t, t, t, 1.0);
}
