"""Every user-facing string of the page, in Simplified Chinese and English.

`t(lang, key, **values)` looks one up; `browser_language(accept_language)` picks the page's default from
the browser's Accept-Language header. A missing key is a bug that the tests catch (both languages must
hold the same keys).
"""

from __future__ import annotations

LANGUAGES = ("zh", "en")
LANGUAGE_CHOICES = [("中文", "zh"), ("English", "en")]

STRINGS: dict[str, dict[str, str]] = {
    "zh": {
        # page
        "title": "🧭 智能顾问",
        "subtitle": "理财、健康、购物、学习、保险和日常法律问题，依据知识库回答，并注明来源。仅供参考，不构成专业意见。",
        "language": "界面语言 · Language",
        "tab_chat": "💬 对话",
        "tab_kb": "📚 知识库",
        "tab_status": "🩺 状态",
        # conversations
        "sidebar": "对话记录",
        "new_chat": "＋ 新对话",
        "conversations": "历史对话",
        "untitled": "新对话",
        "rename": "重命名当前对话",
        "rename_placeholder": "输入新名称",
        "rename_btn": "保存名称",
        "delete_chat": "删除当前对话",
        "confirm_delete_chat": "确认删除这个对话",
        "cancel": "取消",
        "renamed": "已重命名。",
        "deleted_chat": "对话已删除。",
        "no_chat_selected": "请先选择一个对话。",
        "empty_name": "名称不能为空。",
        # chat
        "advisor": "顾问",
        "advisor_general_suffix": "（自动选择领域）",
        "answering": "当前顾问：**{name}** — {description}",
        "search_in": "检索范围",
        "search_in_info": "不选择即检索全部知识库",
        "speech": "🔊 朗读回答",
        "speech_info_ok": "回答的第一句话生成后就开始朗读",
        "speech_info_off": "语音合成不可用，见「状态」页",
        "chatbot": "对话",
        "chat_placeholder": "### 你好！我可以回答理财、健康、购物、学习、保险和法律方面的日常问题。\n可以直接输入问题，也可以上传图片或录音。",
        "input_placeholder": "输入问题，或点 📎 上传图片 / 音频，点 🎤 录音…",
        "audio_reply": "语音回答",
        "stopped": "（已停止）",
        "thinking": "正在思考…",
        # conversation mode (ui/voice.js)
        "voice_start": "🎙️ 语音对话",
        "voice_end": "⏹ 结束语音对话",
        "voice_listening": "🎙️ 正在听…",
        "voice_hearing": "👂 听到：",
        "voice_answering": "💬 正在回答…（直接说话可以打断）",
        "voice_ended": "语音对话已结束。",
        "voice_no_mic": "无法使用麦克风：请在浏览器里允许本页使用麦克风（需要 localhost 或 https 地址）。文字对话照常可用。",
        "voice_refused": "语音对话没能开始，请再点一次。文字对话照常可用。",
        "voice_busy": "你已经在另一个窗口里进行语音对话，或者服务器上语音对话太多。请先结束那一个。",
        "voice_lost": "和服务器的语音连接断开了。文字对话照常可用；刷新页面后可以重新开始。",
        "voice_idle": "很久没有收到麦克风的声音，语音对话已结束。",
        "voice_time_limit": "语音对话已达到时长上限（30 分钟），已结束。可以再开始一次。",
        "voice_frame": "浏览器发送的音频格式不对，语音对话已结束。",
        "voice_interrupted": "（被打断）",
        # rendering
        "sources_title": "📚 来源（{n}）",
        "answered_by": "{name}回答",
        "source_kb": "知识库：{kb}",
        "source_score": "相关度：{score}",
        "source_ref": "出处：{ref}",
        "transcript": "🎤 {text}",
        "transcribing": "🎤 正在识别语音…",
        "image_text_title": "🖼️ 图片中的文字",
        "image_no_text": "图片里没有读到文字。",
        "reading_image": "🖼️ 正在读取图片…",
        "notice_info": "ℹ️ {message}",
        "notice_warning": "⚠️ {message}",
        "notice_error": "❌ {message}",
        # errors, in plain words
        "err_empty": "请输入问题，或者上传一张图片或一段录音。",
        "err_file_type": "不支持这种文件：{name}。请上传图片（PNG、JPG、WebP、BMP）或音频（WAV、MP3、M4A、OGG、WebM、FLAC）。",
        "err_too_many": "一次只能上传一张图片和一段录音。",
        "err_audio": "没能识别这段录音：{reason}",
        "err_asr_off": "语音识别暂时不可用（{reason}）。请直接输入问题。",
        "err_vision_off": "图片识别暂时不可用（{reason}）。请把图片上的文字输入进来。",
        "err_internal": "出了点问题，这次没能完成回答。请再试一次；如果一直这样，请查看「状态」页。",
        "err_busy": "现在提问的人太多，顾问忙不过来。请过一会儿再试。",
        "err_connection": "和服务器的连接断开了。请刷新页面后再试。",
        # knowledge bases
        "kb_intro": "在这里管理知识库：新建知识库、上传文档（Markdown、TXT、HTML、PDF、DOCX）、删除文档或整个知识库、重建索引。",
        "kb_select": "知识库",
        "kb_new": "新知识库名称",
        "kb_new_placeholder": "例如：我的资料",
        "kb_create": "创建知识库",
        "kb_stats": "**{kb}**：{docs} 个文档，{chunks} 个片段",
        "kb_empty": "还没有知识库。请先新建一个。",
        "col_key": "文档",
        "col_title": "标题",
        "col_language": "语言",
        "col_domain": "领域",
        "col_chunks": "片段数",
        "kb_upload": "上传文档",
        "kb_upload_btn": "⬆️ 添加到知识库",
        "kb_doc": "选择文档",
        "kb_delete_doc": "删除所选文档",
        "kb_delete_kb": "删除整个知识库",
        "kb_confirm_delete_kb": "确认删除知识库「{kb}」",
        "kb_rebuild": "🔄 重建索引",
        "kb_created": "已创建知识库「{kb}」。现在可以上传文档了。",
        "kb_exists": "知识库「{kb}」已经存在。",
        "kb_bad_name": "知识库名称需为 1–64 个可打印字符，不能包含斜杠。",
        "kb_pick": "请先选择或新建一个知识库。",
        "kb_no_files": "请先选择要上传的文件。",
        "kb_added": "✅ 新增 {n} 个文档：{names}",
        "kb_updated": "🔁 更新 {n} 个文档：{names}",
        "kb_unchanged": "➖ 未变化 {n} 个：{names}",
        "kb_failed": "❌ 未能添加 **{name}**：{reason}",
        "kb_nothing": "没有可添加的文档。",
        "kb_doc_deleted": "已删除文档「{doc}」。",
        "kb_deleted": "已删除知识库「{kb}」。",
        "kb_rebuilt": "已重建「{kb}」：{docs} 个文档。",
        "kb_pick_doc": "请先选择要删除的文档。",
        "kb_error": "操作没有完成：{reason}",
        "stage_copying": "接收文件",
        "stage_reading": "读取和切分文档",
        "stage_chunking": "切分文档",
        "stage_embedding": "计算向量",
        "file_type_reason": "不支持这种文件类型（{suffix}）；支持 Markdown、TXT、HTML、PDF、DOCX",
        "file_big_reason": "文件太大（{size}），上限是 {limit}",
        # status
        "status_intro": "各个组件当前使用的后端和模型，以及是否就绪。某项不可用时，其余功能照常工作。",
        "status_refresh": "🔄 刷新",
        "col_component": "组件",
        "col_backend": "后端",
        "col_model": "模型",
        "col_state": "状态",
        "comp_llm": "语言模型",
        "comp_embeddings": "向量模型",
        "comp_store": "向量库",
        "comp_asr": "语音识别",
        "comp_tts": "语音合成",
        "comp_vision": "图片识别",
        "state_ready": "✅ 就绪",
        "state_lazy": "⏳ 首次使用时加载",
        "state_off": "❌ 不可用：{reason}",
        "llm_build": "指令集：{sets}",
        "llm_restarted": "曾意外退出并已自动重启（{reason}）",
        "kbs_summary": "**知识库**：{n} 个知识库，{docs} 个文档，{chunks} 个片段",
        "store_embedded": "嵌入式（数据目录）",
    },
    "en": {
        "title": "🧭 Advisor",
        "subtitle": "Everyday questions on money, health, shopping, study, insurance and legal rights, answered "
        "from curated knowledge bases with their sources. General information, not professional advice.",
        "language": "界面语言 · Language",
        "tab_chat": "💬 Chat",
        "tab_kb": "📚 Knowledge bases",
        "tab_status": "🩺 Status",
        "sidebar": "Conversations",
        "new_chat": "+ New conversation",
        "conversations": "Your conversations",
        "untitled": "New conversation",
        "rename": "Rename this conversation",
        "rename_placeholder": "New name",
        "rename_btn": "Save name",
        "delete_chat": "Delete this conversation",
        "confirm_delete_chat": "Yes, delete it",
        "cancel": "Cancel",
        "renamed": "Renamed.",
        "deleted_chat": "Conversation deleted.",
        "no_chat_selected": "Choose a conversation first.",
        "empty_name": "The name cannot be empty.",
        "advisor": "Advisor",
        "advisor_general_suffix": " (picks the domain)",
        "answering": "Answering: **{name}** — {description}",
        "search_in": "Search in",
        "search_in_info": "None selected = every knowledge base",
        "speech": "🔊 Speak replies",
        "speech_info_ok": "Speech starts as soon as the first sentence is ready",
        "speech_info_off": "Speech synthesis is unavailable; see Status",
        "chatbot": "Conversation",
        "chat_placeholder": "### Hello! Ask me everyday questions about money, health, shopping, study, "
        "insurance and legal rights.\nType a question, or attach an image or a voice recording.",
        "input_placeholder": "Type a question, or use 📎 to attach an image / audio, 🎤 to record…",
        "audio_reply": "Spoken reply",
        "stopped": "(stopped)",
        "thinking": "Thinking…",
        "voice_start": "🎙️ Conversation",
        "voice_end": "⏹ End conversation",
        "voice_listening": "🎙️ Listening…",
        "voice_hearing": "👂 Hearing:",
        "voice_answering": "💬 Answering… (just speak to interrupt)",
        "voice_ended": "The conversation has ended.",
        "voice_no_mic": "The microphone cannot be used: allow this page to use it in the browser (it needs a "
        "localhost or https address). Typed chat still works.",
        "voice_refused": "The conversation could not start; click again. Typed chat still works.",
        "voice_busy": "A spoken conversation is already open in another window, or the server has too many. "
        "End that one first.",
        "voice_lost": "The voice connection to the server was lost. Typed chat still works; reload the page "
        "to start again.",
        "voice_idle": "No sound came from the microphone for a long while; the conversation has ended.",
        "voice_time_limit": "The conversation reached its length limit (30 minutes) and has ended. You can "
        "start another.",
        "voice_frame": "The browser sent audio in a wrong format; the conversation has ended.",
        "voice_interrupted": "(interrupted)",
        "sources_title": "📚 Sources ({n})",
        "answered_by": "answered by {name}",
        "source_kb": "knowledge base: {kb}",
        "source_score": "score: {score}",
        "source_ref": "reference: {ref}",
        "transcript": "🎤 {text}",
        "transcribing": "🎤 Transcribing your recording…",
        "image_text_title": "🖼️ Text in the image",
        "image_no_text": "No text was found in the image.",
        "reading_image": "🖼️ Reading the image…",
        "notice_info": "ℹ️ {message}",
        "notice_warning": "⚠️ {message}",
        "notice_error": "❌ {message}",
        "err_empty": "Please type a question, or attach an image or a voice recording.",
        "err_file_type": "This kind of file is not supported: {name}. Attach an image (PNG, JPG, WebP, BMP) or "
        "audio (WAV, MP3, M4A, OGG, WebM, FLAC).",
        "err_too_many": "Attach at most one image and one recording at a time.",
        "err_audio": "The recording could not be understood: {reason}",
        "err_asr_off": "Speech recognition is unavailable ({reason}). Please type your question.",
        "err_vision_off": "Image reading is unavailable ({reason}). Please type the text from the image.",
        "err_internal": "Something went wrong and this answer could not be finished. Please try again; if it "
        "keeps happening, see the Status tab.",
        "err_busy": "Too many people are asking right now and the advisor cannot take another question. "
        "Please try again in a minute.",
        "err_connection": "The connection to the server was lost. Please reload the page and try again.",
        "kb_intro": "Manage the knowledge bases here: create one, upload documents (Markdown, TXT, HTML, PDF, "
        "DOCX), delete a document or a whole knowledge base, rebuild an index.",
        "kb_select": "Knowledge base",
        "kb_new": "New knowledge base name",
        "kb_new_placeholder": "e.g. my-notes",
        "kb_create": "Create knowledge base",
        "kb_stats": "**{kb}**: {docs} documents, {chunks} chunks",
        "kb_empty": "There are no knowledge bases yet. Create one first.",
        "col_key": "Document",
        "col_title": "Title",
        "col_language": "Language",
        "col_domain": "Domain",
        "col_chunks": "Chunks",
        "kb_upload": "Upload documents",
        "kb_upload_btn": "⬆️ Add to knowledge base",
        "kb_doc": "Document",
        "kb_delete_doc": "Delete the chosen document",
        "kb_delete_kb": "Delete the whole knowledge base",
        "kb_confirm_delete_kb": "Yes, delete knowledge base “{kb}”",
        "kb_rebuild": "🔄 Rebuild index",
        "kb_created": "Created knowledge base “{kb}”. You can upload documents now.",
        "kb_exists": "A knowledge base named “{kb}” already exists.",
        "kb_bad_name": "A knowledge-base name is 1-64 printable characters without slashes.",
        "kb_pick": "Choose or create a knowledge base first.",
        "kb_no_files": "Choose the files to upload first.",
        "kb_added": "✅ Added {n}: {names}",
        "kb_updated": "🔁 Updated {n}: {names}",
        "kb_unchanged": "➖ Unchanged {n}: {names}",
        "kb_failed": "❌ Could not add **{name}**: {reason}",
        "kb_nothing": "There was nothing to add.",
        "kb_doc_deleted": "Deleted the document “{doc}”.",
        "kb_deleted": "Deleted the knowledge base “{kb}”.",
        "kb_rebuilt": "Rebuilt “{kb}”: {docs} documents.",
        "kb_pick_doc": "Choose the document to delete first.",
        "kb_error": "That did not finish: {reason}",
        "stage_copying": "Receiving files",
        "stage_reading": "Reading and chunking documents",
        "stage_chunking": "Chunking documents",
        "stage_embedding": "Embedding",
        "file_type_reason": "this file type ({suffix}) is not supported; use Markdown, TXT, HTML, PDF or DOCX",
        "file_big_reason": "the file is too large ({size}); the limit is {limit}",
        "status_intro": "What each part runs on, and whether it is ready. When one part is unavailable the rest "
        "keeps working.",
        "status_refresh": "🔄 Refresh",
        "col_component": "Component",
        "col_backend": "Backend",
        "col_model": "Model",
        "col_state": "State",
        "comp_llm": "Language model",
        "comp_embeddings": "Embeddings",
        "comp_store": "Vector store",
        "comp_asr": "Speech recognition",
        "comp_tts": "Speech synthesis",
        "comp_vision": "Image reading",
        "state_ready": "✅ ready",
        "state_lazy": "⏳ loads on first use",
        "state_off": "❌ unavailable: {reason}",
        "llm_build": "instruction sets: {sets}",
        "llm_restarted": "stopped unexpectedly and was restarted ({reason})",
        "kbs_summary": "**Knowledge bases**: {n} knowledge bases, {docs} documents, {chunks} chunks",
        "store_embedded": "embedded (data dir)",
    },
}


def normalize(lang: str | None) -> str:
    """'zh', 'zh-CN', 'zh_TW', 'ZH' -> 'zh'; anything that is not Chinese -> 'en'."""
    return "zh" if (lang or "").strip().lower().startswith("zh") else "en"


def t(lang: str, key: str, **values: object) -> str:
    text = STRINGS[normalize(lang)][key]
    return text.format(**values) if values else text


def browser_language(accept_language: str | None, default: str = "en") -> str:
    """The first of zh / en that the browser prefers, by q-value; `default` when it names neither."""
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        primary = tag.strip().lower().split("-")[0].split("_")[0]
        if primary in LANGUAGES and quality > 0:
            ranked.append((-quality, index, primary))
    return sorted(ranked)[0][2] if ranked else default


def human_size(size: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"
