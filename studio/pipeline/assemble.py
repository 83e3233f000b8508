"""Assemble: a plan plus resolved media becomes a Timeline.

Rules where the plan leaves room (each is also said to the creator as a warning when it applies):
- Time no shot covers is filled by extending the shot before it, its camera move continuing over
  the longer span; the first shot also fills any time before it.
- A shot enters with its transition, else the style's default crossfade; transitions are centred
  on the cut and shortened to fit both shots.
- A source that does not resolve is generated when the source type allows it, else it is an
  error naming the shot and asset (or, when placeholders are allowed, a visible placeholder card).
  A stock or b-roll source with no asset asks the provider for a clip; a still is accepted too.
- A voice line without a recording is synthesised by the media provider, else silent; a sound
  effect without a file is made from its name (whoosh, hit, riser, pop, click). A short
  whose source is a talking-head clip with sound keeps the clip's own voice instead.
- A clip shorter than its shot loops; its sound is dropped unless it is that talking head.
- Cinema voiceover is captioned at the bottom, except where an overlay already shows its text.
- In a short, the hook is the opening title; a script line that repeats it is shown as the hook
  instead of as a caption.
- Cinema music always ducks under the voice; a short ducks when its plan says so.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from studio.pipeline.captions import chunk_words, estimate_word_timings
from studio.pipeline.media import AssetResolver, MediaProvider, NoMedia
from studio.pipeline.sources import VIDEO_SUFFIXES, probe_video
from studio.pipeline.styles import look_for
from studio.pipeline.timeline import (
    RGB,
    AudioClip,
    AudioRole,
    ImageLayer,
    Palette,
    SourceKind,
    TextLayer,
    TextRole,
    Timeline,
    VideoLayer,
    VisualSource,
    WordTiming,
)
from studio.spec import BrandKit, ProductionPlan, ShortsPlan, Source, SourceType
from studio.spec.common import CameraMovement, Position, TransitionType

MUSIC_FADE_IN = 1.0
MUSIC_FADE_OUT = 1.5
DEFAULT_HOOK_SECONDS = 2.5
FOOTAGE_SOURCES = frozenset({SourceType.STOCK, SourceType.BROLL})
"""Source types that mean moving footage, so the provider is asked for a clip first.

Talking-head types are left out on purpose: a stranger's stock clip is not the creator on
camera, and a short keeps a talking-head clip's own sound as its voice.
"""


class AssembleError(Exception):
    """The plan names media that cannot be used; the message names the shot and the file."""


@dataclass
class Assembly:
    timeline: Timeline
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Context:
    resolver: AssetResolver
    provider: MediaProvider
    allow_placeholders: bool
    style: str
    width: int
    height: int
    warnings: list[str] = field(default_factory=list)

    def visual(self, owner: str, source: Source) -> VisualSource:
        """The asset's file, else what the provider makes (a clip for ``FOOTAGE_SOURCES``).

        Whether a file is a clip or a still is read from its suffix, so a provider may answer a
        request for footage with an image.
        """
        path = self.resolver.find_visual(source.asset_id)
        if path is not None:
            return VisualSource(_kind_of(path), path)
        if source.asset_id and not source.type.may_generate:
            missing = f"{owner}: asset {source.asset_id!r} not found" + (
                f" in {self.resolver.folder}" if self.resolver.folder else " (no --assets folder)"
            )
            if not self.allow_placeholders:
                raise AssembleError(missing)
            self.warnings.append(f"{missing}; a placeholder card is shown")
            return VisualSource(SourceKind.PLACEHOLDER, label=f"Missing {source.asset_id}")
        prompt = source.generation_prompt or ""
        motion = source.type in FOOTAGE_SOURCES
        made = self.provider.visual(prompt, self.style, self.width, self.height, motion=motion)
        if made is not None:
            return VisualSource(_kind_of(made), made)
        self.warnings.append(
            f"{owner}: no visual generator is available; a placeholder card shows the prompt"
        )
        return VisualSource(SourceKind.PLACEHOLDER, label=prompt or owner)


def _kind_of(path: Path) -> SourceKind:
    return SourceKind.VIDEO if path.suffix.lower() in VIDEO_SUFFIXES else SourceKind.IMAGE


def _hex(color: str | None) -> RGB | None:
    if color is None:
        return None
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def _palette(
    style: str, brand: BrandKit | None, primary: str | None, highlight: str | None
) -> Palette:
    default = look_for(style).palette
    kit_primary = _hex(brand.caption_style.primary_color) if brand else None
    kit_highlight = (
        _hex(brand.caption_style.highlight_color or brand.secondary_color) if brand else None
    )
    return Palette(
        primary=_hex(primary) or kit_primary or default.primary,
        highlight=_hex(highlight) or kit_highlight or default.highlight,
        accent=(_hex(brand.primary_color) if brand else None) or default.accent,
    )


def _normalise(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold().replace("\u2019", "'")
    return " ".join(re.findall(r"[\w']+", folded))


def _logo_layer(ctx: _Context, brand: BrandKit | None, duration: float) -> tuple[ImageLayer, ...]:
    if brand is None or brand.logo_asset_id is None:
        return ()
    path = ctx.resolver.find(brand.logo_asset_id)
    if path is None:
        ctx.warnings.append(f"brand kit: logo {brand.logo_asset_id!r} not found; no watermark")
        return ()
    return (ImageLayer(0.0, duration, path, Position.TOP_RIGHT, 0.12, 0.85),)


def _caption_layers(
    text: str,
    start: float,
    end: float,
    spoken: tuple[WordTiming, ...] = (),
    emphasis: tuple[str, ...] = (),
    emojis: tuple[str, ...] = (),
    uppercase: bool = False,
) -> list[TextLayer]:
    """Captions for a spoken line, in readable chunks; the line's emojis follow its last words.

    Word timings are the voice's own when it gave them, else estimated.
    """
    chunks = chunk_words(spoken or estimate_word_timings(text, start, end))
    return [
        TextLayer(
            chunk[0].start,
            chunk[-1].end,
            " ".join(w.word for w in chunk),
            TextRole.CAPTION,
            Position.BOTTOM_CENTER,
            words=chunk,
            emphasis_words=emphasis,
            emojis=emojis if index == len(chunks) - 1 else (),
            uppercase=uppercase,
        )
        for index, chunk in enumerate(chunks)
    ]


def _shifted(words: tuple[WordTiming, ...], offset: float) -> tuple[WordTiming, ...]:
    return tuple(WordTiming(w.word, w.start + offset, w.end + offset) for w in words)


def _production_shots(
    ctx: _Context, plan: ProductionPlan
) -> tuple[list[VideoLayer], list[TextLayer]]:
    """Shots in time order with the coverage rule and transitions applied, and their overlays."""
    duration = plan.duration_seconds
    default_transition = look_for(ctx.style).transition
    shots = sorted(plan.shots(), key=lambda s: s.start_time)
    video: list[VideoLayer] = []
    text: list[TextLayer] = []
    for index, shot in enumerate(shots):
        start = 0.0 if index == 0 else shot.start_time
        end = shots[index + 1].start_time if index + 1 < len(shots) else duration
        if end <= start:
            continue
        transition, seconds = TransitionType.CUT, 0.0
        if video:
            chosen = shot.transition or default_transition
            transition = chosen.type
            room = min(end - start, video[-1].end - video[-1].start)
            seconds = 0.0 if transition is TransitionType.CUT else min(chosen.duration, room * 0.9)
        source = ctx.visual(f"shot {shot.shot_id!r}", shot.source)
        camera = shot.camera
        video.append(
            VideoLayer(
                shot.shot_id,
                start,
                end,
                source,
                camera.movement,
                camera.framing,
                transition,
                seconds,
            )
        )
        for overlay in shot.overlays:
            if overlay.type == "text":
                text.append(TextLayer(start, end, overlay.text, TextRole.OVERLAY, overlay.position))
    return video, text


def _production_voice(
    ctx: _Context, plan: ProductionPlan, overlays: list[TextLayer]
) -> tuple[list[AudioClip], list[TextLayer]]:
    """Voice clips at their beats, and captions for the lines no overlay already shows."""
    shown = [(layer, _normalise(layer.text)) for layer in overlays]
    audio: list[AudioClip] = []
    captions: list[TextLayer] = []
    beats = {beat.beat_id: beat for beat in plan.beats()}
    voice = plan.audio_plan.voice
    for line in voice.lines:
        beat = beats[line.beat_id]
        recorded = ctx.resolver.find_audio(line.asset_id)
        spoken: tuple[WordTiming, ...] = ()
        if recorded is not None:
            audio.append(AudioClip(recorded, beat.start_time, AudioRole.VOICE))
        elif (speech := ctx.provider.speech(line.text, voice.voice_id, voice.language)) is not None:
            audio.append(AudioClip(speech.path, beat.start_time, AudioRole.VOICE))
            spoken = _shifted(speech.words, beat.start_time)
        else:
            ctx.warnings.append(
                f"voice line for {line.beat_id!r}: no recording and no voice available; silent"
            )
        key = _normalise(line.text)
        on_screen = any(
            norm == key and layer.start < beat.end_time and beat.start_time < layer.end
            for layer, norm in shown
        )
        if not on_screen:
            captions.extend(_caption_layers(line.text, beat.start_time, beat.end_time, spoken))
    return audio, captions


def _production_music_and_sfx(ctx: _Context, plan: ProductionPlan) -> list[AudioClip]:
    audio: list[AudioClip] = []
    music = plan.audio_plan.music
    for track in music.tracks:
        length = track.end_time - track.start_time
        path = ctx.resolver.find_audio(track.asset_id) or ctx.provider.music(music.mood, length)
        if path is None:
            ctx.warnings.append(f"music {track.track_id!r}: no file and no music generator; silent")
            continue
        audio.append(
            AudioClip(
                path,
                track.start_time,
                AudioRole.MUSIC,
                length,
                track.gain_db,
                loop=True,
                fade_in=MUSIC_FADE_IN,
                fade_out=MUSIC_FADE_OUT,
            )
        )
    for sfx in plan.audio_plan.sfx:
        path = ctx.resolver.find_audio(sfx.asset_id) or ctx.provider.sfx(sfx.name)
        if path is None:
            ctx.warnings.append(f"sound effect {sfx.sfx_id!r}: no file or known name; skipped")
            continue
        audio.append(AudioClip(path, sfx.start_time, AudioRole.SFX, gain_db=sfx.gain_db))
    return audio


def assemble_production(
    plan: ProductionPlan,
    resolver: AssetResolver,
    provider: MediaProvider | None = None,
    brand: BrandKit | None = None,
    allow_placeholders: bool = False,
) -> Assembly:
    """Compile a Production Plan to a Timeline (see the module docstring for the rules)."""
    style = plan.visual_plan.global_style or plan.style
    res = plan.resolution
    ctx = _Context(
        resolver, provider or NoMedia(), allow_placeholders, style, res.width, res.height
    )
    video, overlays = _production_shots(ctx, plan)
    voice, captions = _production_voice(ctx, plan, overlays)
    timeline = Timeline(
        res.width,
        res.height,
        res.fps,
        plan.duration_seconds,
        style,
        video=tuple(video),
        text=tuple(overlays + captions),
        images=_logo_layer(ctx, brand, plan.duration_seconds),
        audio=tuple(voice + _production_music_and_sfx(ctx, plan)),
        duck_music=True,
        palette=_palette(style, brand, None, None),
        caption_look="clean",
    )
    return Assembly(timeline, ctx.warnings)


def _speaks(source: VisualSource, source_type: SourceType) -> bool:
    """A talking-head clip with sound is the creator's own voice: keep it."""
    if source.kind is not SourceKind.VIDEO or source.path is None:
        return False
    talking = source_type in (
        SourceType.TALKING_HEAD,
        SourceType.TALKING_HEAD_OR_BROLL_OR_GENERATED,
    )
    return talking and probe_video(source.path).has_audio


def _shorts_movement(kind: SourceKind, source_type: SourceType) -> CameraMovement:
    if kind is SourceKind.VIDEO:
        return CameraMovement.STATIC
    if source_type is SourceType.TALKING_HEAD:
        return CameraMovement.SLOW_PUSH_IN
    return CameraMovement.KEN_BURNS


def assemble_shorts(
    plan: ShortsPlan,
    resolver: AssetResolver,
    provider: MediaProvider | None = None,
    brand: BrandKit | None = None,
    allow_placeholders: bool = False,
    style: str = "neo_glow",
) -> Assembly:
    """Compile a Shorts Plan to a Timeline (see the module docstring for the rules)."""
    width, height = plan.format.size
    ctx = _Context(resolver, provider or NoMedia(), allow_placeholders, style, width, height)
    duration = plan.duration_seconds
    source = ctx.visual("visual_plan.source", plan.visual_plan.source)
    video = (
        VideoLayer(
            "background",
            0.0,
            duration,
            source,
            _shorts_movement(source.kind, plan.visual_plan.source.type),
        ),
    )
    hook_key = _normalise(plan.hook.text)
    lines = sorted(plan.script.lines, key=lambda line: line.start_time)
    hook_end = DEFAULT_HOOK_SECONDS
    if lines and _normalise(lines[0].text) == hook_key:
        hook_end = lines[0].end_time
    elif lines:
        hook_end = min(DEFAULT_HOOK_SECONDS, max(lines[0].start_time, 1.0))
    uppercase = plan.hook.on_screen_style == "bold_caps"
    emphasis = tuple(plan.hook.emphasis_words)
    hook_end = min(hook_end, duration)
    hook_words = estimate_word_timings(plan.hook.text, 0.0, hook_end)
    text: list[TextLayer] = []
    audio: list[AudioClip] = []
    voice = plan.audio_plan.voice
    recorded = resolver.find_audio(voice.asset_id)
    if recorded is None and _speaks(source, plan.visual_plan.source.type):
        recorded = source.path
    if recorded is not None:
        audio.append(AudioClip(recorded, 0.0, AudioRole.VOICE, length=duration))
    for index, line in enumerate(lines):
        spoken: tuple[WordTiming, ...] = ()
        if recorded is None:
            speech = ctx.provider.speech(line.text, voice.voice_id, voice.language)
            if speech is not None:
                audio.append(AudioClip(speech.path, line.start_time, AudioRole.VOICE))
                spoken = _shifted(speech.words, line.start_time)
            else:
                ctx.warnings.append(f"script.lines[{index}]: no voice available; silent")
        if index == 0 and _normalise(line.text) == hook_key:
            hook_words = spoken or hook_words
            continue
        caption = line.caption or line.text
        timed = spoken if caption == line.text else ()
        text += _caption_layers(
            caption, line.start_time, line.end_time, timed, emphasis, tuple(line.emojis), uppercase
        )
    hook = TextLayer(
        0.0,
        hook_end,
        plan.hook.text,
        TextRole.HOOK,
        Position.CENTER,
        words=hook_words,
        emphasis_words=emphasis,
        uppercase=uppercase,
    )
    text.insert(0, hook)
    music = plan.audio_plan.music
    music_path = resolver.find_audio(music.asset_id) or ctx.provider.music(music.mood, duration)
    if music_path is not None:
        audio.append(
            AudioClip(
                music_path,
                0.0,
                AudioRole.MUSIC,
                duration,
                music.gain_db,
                loop=True,
                fade_in=MUSIC_FADE_IN,
                fade_out=MUSIC_FADE_OUT,
            )
        )
    else:
        ctx.warnings.append(f"music ({music.mood}): no file and no music generator; silent")
    captions = plan.visual_plan.captions_style
    timeline = Timeline(
        width,
        height,
        plan.fps,
        duration,
        style,
        video=video,
        text=tuple(text),
        images=_logo_layer(ctx, brand, duration),
        audio=tuple(audio),
        duck_music=music.duck_under_voice,
        palette=_palette(style, brand, captions.primary_color, captions.highlight_color),
        caption_look=plan.hook.on_screen_style,
    )
    return Assembly(timeline, ctx.warnings)


def assemble(
    plan: ProductionPlan | ShortsPlan,
    assets: Path | None = None,
    provider: MediaProvider | None = None,
    brand: BrandKit | None = None,
    allow_placeholders: bool = False,
) -> Assembly:
    """Either kind of plan to a Timeline, resolving asset ids in the ``assets`` folder."""
    resolver = AssetResolver(assets)
    if isinstance(plan, ProductionPlan):
        return assemble_production(plan, resolver, provider, brand, allow_placeholders)
    return assemble_shorts(plan, resolver, provider, brand, allow_placeholders)
